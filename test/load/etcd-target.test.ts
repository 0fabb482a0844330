import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOptions } from '../../load/options.js';
import { runLoad } from '../../load/run.js';
import { suiteDir } from '../helpers/temp-dir.js';

const hasEtcd = (() => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// etcd is not a dependency of kvstore; where it is installed (Debian's etcd-server, as issue 3's benchmark
// uses), this pins that the load client drives it with the same methodology.
describe.skipIf(!hasEtcd)('the load client against etcd', () => {
  let etcd: ChildProcess;
  let addr: string;

  beforeAll(async () => {
    const [client, peer] = [await freePort(), await freePort()];
    addr = `127.0.0.1:${client}`;
    etcd = spawn(
      'etcd',
      [
        '--name=load-test',
        `--data-dir=${await suiteDir('kvstore-etcd-')}`,
        `--listen-client-urls=http://${addr}`,
        `--advertise-client-urls=http://${addr}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=load-test=http://127.0.0.1:${peer}`,
        '--log-level=error',
        '--logger=zap',
      ],
      { stdio: 'ignore' },
    );
  });

  afterAll(async () => {
    etcd.kill('SIGTERM');
    await new Promise((resolve) => etcd.on('exit', resolve));
  });

  it('puts and ranges over etcdserverpb.KV and watches over etcdserverpb.Watch', async () => {
    const small = {
      addr,
      target: 'etcd' as const,
      durationS: 1,
      warmupS: 0.3,
      keys: 100,
      conns: 2,
      inflight: 4,
      workers: 1,
    };
    const mixed = await runLoad(
      loadOptions('mixed', { ...small, p95ThresholdMs: 0, serverPids: [etcd.pid!] }),
    );
    expect(mixed.server).toMatchObject({ server: 'etcd' });
    expect(mixed.errors).toBe(0);
    expect(mixed.get_misses).toBe(0);
    expect(mixed.ops).toBeGreaterThan(20);
    expect(mixed.cpu.server_cores).toBeGreaterThan(0);
    const watch = await runLoad(loadOptions('watch', { ...small, watchers: 4, watchRate: 50 }));
    expect(watch.delivery_ratio).toBe(1);
  });
});
