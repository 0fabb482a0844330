import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A kvstore server started for a load run or a benchmark, on free loopback ports. */
export interface LocalServer {
  readonly addr: string;
  readonly httpAddr: string;
  readonly pid: number;
  readonly dataDir: string;
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../bin/kvstore', import.meta.url));

/** Options of {@link startLocalServer}. */
export interface LocalServerOptions {
  readonly durability?: 'fsync' | 'relaxed';
  /** Serve this existing data directory (kept on stop); default: a fresh one, removed on stop. */
  readonly dataDir?: string;
  readonly extraArgs?: readonly string[];
  /** Another build's bin/kvstore (e.g. the code before a change, for a benchmark); default: this one. */
  readonly bin?: string;
  /** The server's environment; default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts `bin/kvstore serve` (built dist/ required) and resolves once it serves. */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const fresh = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kvstore-load-')));
  const durability = options.durability ?? 'fsync';
  const extraArgs = options.extraArgs ?? [];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // BENCH_KVSTORE_NODE_FLAGS adds Node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
      ...(process.env.BENCH_KVSTORE_NODE_FLAGS?.split(' ').filter((f) => f !== '') ?? []),
      // As `npm start` and the container run it (docs/operations.md, "Node flags").
      '--max-semi-space-size=32',
      options.bin ?? BIN,
      'serve',
      '--grpc-listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
      '--data-durability',
      durability,
      '--log-format',
      'json',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const serving = await new Promise<{ grpc: string; http: string }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const record = JSON.parse(line) as { msg?: string; grpc?: string; http?: string };
        if (record.msg === 'kvstore is serving') resolve({ grpc: record.grpc!, http: record.http! });
      } catch {
        // not a log record
      }
    });
    exited.then((code) => reject(new Error(`kvstore exited with ${code} before serving: ${stderr.trim()}`)));
  });
  return {
    addr: serving.grpc,
    httpAddr: serving.http,
    pid: child.pid!,
    dataDir,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (fresh) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
