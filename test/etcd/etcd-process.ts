import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port (bound and released; fine for tests on one machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What one etcdctl run printed, and how it exited. */
export interface CtlResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs `etcdctl` (API v3) against `endpoint` with `args`, optionally feeding `input` on stdin. */
export function etcdctl(endpoint: string, args: readonly string[], input?: string): Promise<CtlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'etcdctl',
      [`--endpoints=${endpoint}`, '--command-timeout=10s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    // etcdctl may exit without reading its input (a refused command): its closed pipe is not an error here.
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? '');
  });
}

/** A background `etcdctl watch ...`: its output so far, and a way to wait for a line count. */
export interface CtlWatch {
  output(): string;
  /** What it printed on stderr so far. */
  errors(): string;
  /** Resolves with the first `lines` lines of stdout once they are printed (rejects after `timeoutMs`). */
  waitForLines(lines: number, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export function etcdctlWatch(endpoint: string, args: readonly string[]): CtlWatch {
  const child = spawn('etcdctl', [`--endpoints=${endpoint}`, 'watch', ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d) => {
    out += d;
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    output: () => out,
    errors: () => err,
    async waitForLines(lines, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (out.split('\n').length - 1 < lines) {
        if (Date.now() > deadline) throw new Error(`watch printed only:\n${out}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      // Only the lines asked for: how much more has arrived by now depends on how the output was chunked.
      return `${out.split('\n').slice(0, lines).join('\n')}\n`;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A real etcd 3.4 server (Debian's etcd-server) on loopback ports, for comparisons. */
export interface EtcdProcess {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startEtcd(dataDir: string): Promise<EtcdProcess> {
  const client = await freePort();
  const peer = await freePort();
  const child: ChildProcess = spawn(
    'etcd',
    [
      '--name=cmp',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=http://127.0.0.1:${client}`,
      `--advertise-client-urls=http://127.0.0.1:${client}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=cmp=http://127.0.0.1:${peer}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const endpoint = `127.0.0.1:${client}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await etcdctl(endpoint, ['endpoint', 'health']);
    if (r.code === 0) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`etcd did not become healthy: ${r.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
