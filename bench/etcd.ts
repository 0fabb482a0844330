/**
 * An etcd for side-by-side figures: Debian's etcd-server on free loopback ports with a fresh data dir,
 * started the way ../shared/bench/anchors/start-etcd.sh starts it (single member, same quota and
 * auto-compaction), so our figures compare with the shared baseline.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../load/ports.js';

/** A running etcd. */
export interface Etcd {
  readonly addr: string;
  readonly pid: number;
  readonly version: string;
  stop(): Promise<void>;
}

/** True when the etcd binary is installed (apt-get install etcd-server). */
export function etcdAvailable(): boolean {
  return spawnSync('etcd', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** How to start it: plaintext by default; with `tls`, the client port speaks only TLS with this pair. */
export interface EtcdOptions {
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** Starts etcd and resolves once it serves; on failure nothing of it is left (process, data directory). */
export async function startEtcd(options: EtcdOptions = {}): Promise<Etcd> {
  const scheme = options.tls ? 'https' : 'http';
  const tlsArgs = options.tls ? ['--cert-file', options.tls.certFile, '--key-file', options.tls.keyFile] : [];
  const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-etcd-'));
  const client = await freePort();
  const peer = await freePort();
  const version =
    /etcd Version: (\S+)/.exec(spawnSync('etcd', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  const child: ChildProcess = spawn(
    'etcd',
    [
      '--name',
      'bench',
      '--data-dir',
      dir,
      '--listen-client-urls',
      `${scheme}://127.0.0.1:${client}`,
      '--advertise-client-urls',
      `${scheme}://127.0.0.1:${client}`,
      ...tlsArgs,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `bench=http://127.0.0.1:${peer}`,
      '--quota-backend-bytes',
      '8589934592',
      '--auto-compaction-mode',
      'revision',
      '--auto-compaction-retention',
      '100000',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`etcd did not become ready: ${log.slice(-2000)}`)),
      20_000,
    );
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('ready to serve client requests')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`etcd exited with ${code}: ${log.slice(-2000)}`)));
  });
  try {
    await ready;
  } catch (err) {
    // An etcd that never became ready is not left running, nor its data directory left behind.
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    addr: `127.0.0.1:${client}`,
    pid: child.pid!,
    version,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.on('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts etcd after `started` servers; if it fails to start, stops them first, so a failed bench leaves none. */
export async function startEtcdAfter(
  started: readonly { stop(): Promise<void> }[],
  options: EtcdOptions = {},
): Promise<Etcd> {
  try {
    return await startEtcd(options);
  } catch (err) {
    for (const server of started) await server.stop();
    throw err;
  }
}
