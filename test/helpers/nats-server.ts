import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../load/ports.js';

export { freePort };

/** A real nats-server (Debian's package) with JetStream, on a loopback port of its own. */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Prepares a nats-server on a free port storing JetStream data in `storeDir`; call start(). `conf` is
 * nats-server (2.9) configuration added to the server's, e.g. `authorization { token: "..." }`.
 */
export async function natsServer(storeDir: string, conf?: string): Promise<NatsServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  if (conf !== undefined) {
    const file = join(storeDir, '..', `nats-${port}.conf`);
    writeFileSync(file, `${conf}\n`);
    args.push('-c', file);
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('nats-server', args, {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
        child!.stderr!.on('data', (d) => {
          log += d;
          if (log.includes('Server is ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child!.on('exit', (code) => reject(new Error(`nats-server exited with ${code}: ${log}`)));
      });
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.on('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
  };
}
