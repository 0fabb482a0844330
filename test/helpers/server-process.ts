import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { credentials } from '@grpc/grpc-js';
import type { AdminClient } from '../../src/api/generated/kvstore/v1/Admin.js';
import type { KVClient } from '../../src/api/generated/kvstore/v1/KV.js';
import { kvstoreV1 } from '../../src/api/proto.js';

/** A real `bin/kvstore serve` process on a free loopback port. */
export interface ServerProcess {
  readonly addr: string;
  readonly port: number;
  /** Port of the admin HTTP listener (/metrics, /healthz, /readyz). */
  readonly httpPort: number;
  readonly process: ChildProcess;
  /** Every stdout line the server printed (JSON log records). */
  readonly logs: Record<string, unknown>[];
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `serve` on free loopback ports over `dataDir`: the arguments of bin/kvstore every test server runs with. */
export function serveArgs(dataDir: string): string[] {
  return ['serve', '--grpc-listen', '127.0.0.1:0', '--http-listen', '127.0.0.1:0', '--data-dir', dataDir];
}

/** Starts the server the way a user would, with `args` and `env` added; waits until it serves. */
export function startServerProcess(
  dataDir: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  options: { fileSizeLimitKiB?: number } = {},
): Promise<ServerProcess> {
  // A file size limit (ulimit -f) makes writes past it fail as on a full disk.
  const limit = options.fileSizeLimitKiB;
  const [command, prefix] =
    limit === undefined
      ? [process.execPath, []]
      : ['/bin/sh', ['-c', `ulimit -f ${limit} && exec "$0" "$@"`, process.execPath]];
  const child = spawn(
    command,
    [...prefix, 'bin/kvstore', ...serveArgs(dataDir), '--log-format', 'json', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (record.msg === 'kvstore is serving') {
          const addr = record.grpc as string;
          resolve({
            addr,
            port: Number(addr.split(':').at(-1)),
            httpPort: Number(String(record.http).split(':').at(-1)),
            process: child,
            logs,
            stop: (signal = 'SIGTERM') => {
              if (child.exitCode === null) child.kill(signal);
              return exited;
            },
          });
        }
      } catch {
        // not JSON: ignore
      }
    });
    exited.then((code) => reject(new Error(`server exited with ${code} before serving: ${stderr}`)));
  });
}

/** Promise-returning gRPC clients for tests. */
export function clients(addr: string): { kv: KVClient; admin: AdminClient; close(): void } {
  const kv = new kvstoreV1.KV(addr, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  const admin = new kvstoreV1.Admin(addr, credentials.createInsecure());
  return {
    kv,
    admin,
    close() {
      kv.close();
      admin.close();
    },
  };
}

/** Calls a unary method as a promise; rejects with the ServiceError. */
export function unaryCall<Res>(
  invoke: (cb: (err: Error | null, res?: Res) => void) => unknown,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke((err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}
