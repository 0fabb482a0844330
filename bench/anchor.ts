/**
 * Starts bench/anchor-server.ts (a do-nothing grpc-js kvstore.v1.KV: the transport's floor) as a process of
 * its own on a free loopback port, for `npm run bench`'s side-by-side table.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running anchor server. */
export interface AnchorServer {
  readonly addr: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./anchor-server.ts', import.meta.url));
/** The repository, where `--import tsx` resolves from whatever directory the bench was started in. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Starts the anchor server and resolves once it serves; throws with its stderr if it does not. */
export async function startAnchorServer(): Promise<AnchorServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    const addr = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the anchor server did not start: ${stderr}`)), 20_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let record: { msg?: string; addr?: string } = {};
        try {
          record = JSON.parse(line) as typeof record;
        } catch {
          return; // not its announcement
        }
        if (record.msg === 'serving' && record.addr) {
          clearTimeout(timer);
          resolve(record.addr);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the anchor server exited with ${code}: ${stderr}`));
      });
    });
    return {
      addr,
      pid: child.pid!,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
}
