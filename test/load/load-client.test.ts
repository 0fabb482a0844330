import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../../load/local-server.js';
import { loadOptions } from '../../load/options.js';
import { runLoad } from '../../load/run.js';
import { connectTarget } from '../../load/targets/index.js';

// Bounded runs (about a second of load each) against a kvstore server the runner starts itself.
const SMALL = { durationS: 1, warmupS: 0.3, keys: 200, conns: 2, inflight: 4, workers: 1, p95ThresholdMs: 0 };

describe('the load client', () => {
  it('drives a closed-loop get/set mix and reports throughput, percentiles, errors and CPU', async () => {
    const r = await runLoad(loadOptions('mixed', { ...SMALL, readRatio: 0.5 }));
    expect(r.server_started).toBe(true);
    expect(r.server).toMatchObject({ server: 'kvstore', durability: 'fsync' });
    expect(r.preload).toMatchObject({ written: 200 });
    expect(r.errors).toBe(0);
    expect(r.ops).toBeGreaterThan(20);
    expect(r.get_misses).toBe(0); // every key was preloaded
    expect(r.by_op!.get!.count + r.by_op!.set!.count).toBe(r.ops);
    const l = r.latency_us!;
    expect(l.p50).toBeGreaterThan(0);
    expect(l.p50).toBeLessThanOrEqual(l.p95);
    expect(l.p95).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(r.cpu.server_cores).toBeGreaterThan(0);
    expect(r.cpu.server_cpu_us_per_op).toBeGreaterThan(0);
  });

  it('runs an open loop at a set rate and counts from the due time', async () => {
    const r = await runLoad(loadOptions('get', { ...SMALL, rate: 200, inflight: 8 }));
    expect(r.mode).toBe('open');
    expect(r.errors).toBe(0);
    // 200/s for 1 s: every request that fell due was sent (the server is far from saturated).
    expect(r.due_in_window).toBe(200);
    expect(r.ops! + r.not_sent!).toBe(200);
    expect(r.service_us!.p50).toBeLessThanOrEqual(r.latency_us!.p50);
  });

  it("soaks at a constant rate and reports every interval, with the server's memory", async () => {
    const r = await runLoad(loadOptions('soak', { ...SMALL, rate: 100, inflight: 8, reportEveryS: 0.5 }));
    expect(r.intervals!.map((i) => i.t_s)).toEqual([0.5, 1]);
    expect(r.intervals!.reduce((a, i) => a + i.ops_per_s * 0.5, 0)).toBe(r.ops);
    expect(r.server_rss_mib!.end).toBeGreaterThan(10);
  });

  it('fans a writer out to watchers over kvstore.v1.KV/Watch and loses nothing', async () => {
    const r = await runLoad(loadOptions('watch', { ...SMALL, watchers: 6, watchRate: 50 }));
    expect(r.errors).toBe(0);
    expect(r.writes).toBeGreaterThan(30);
    expect(r.expected_events).toBe(r.writes! * 6);
    expect(r.delivery_ratio).toBe(1);
    expect(r.latency_us!.count).toBe(r.events);
  });

  it('spreads its connections round-robin over a comma-separated --addr (a cluster)', async () => {
    const servers = [await startLocalServer(), await startLocalServer()];
    try {
      const addr = servers.map((s) => s.addr).join(',');
      const r = await runLoad(
        loadOptions('set', { ...SMALL, addr, conns: 4, workers: 2, serverPids: servers.map((s) => s.pid) }),
      );
      expect(r.errors).toBe(0);
      expect(r.addr).toBe(addr);
      // Both servers took a share of the sets.
      for (const s of servers) {
        const t = await connectTarget('kvstore', { addr: s.addr, conns: 1 });
        try {
          expect(Number((await t.info()).revision)).toBeGreaterThan(10);
        } finally {
          t.close();
        }
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });

  it('runs from npm run load: the summary on stderr, one JSON line on stdout', async () => {
    const child = spawn(
      process.execPath,
      [
        'node_modules/tsx/dist/cli.mjs',
        'load/cli.ts',
        'mixed',
        '--duration',
        '1',
        '--warmup',
        '0.3',
        '--keys',
        '100',
        '--conns',
        '1',
        '--inflight',
        '2',
        '--workers',
        '1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The p95 < 5 ms threshold is reported, not fatal, without --fail-on-threshold.
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/threshold +p95 < 5 ms and no errors: (ok|FAILED)/);
    expect(stderr).toMatch(/throughput +\d+ ops\/s/);
    expect(stderr).toMatch(/latency +p50 [\d.]+ ms +p95 [\d.]+ ms +p99 [\d.]+ ms/);
    expect(stderr).toMatch(/errors +0 /);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as {
      scenario: string;
      ops_per_s: number;
      thresholds: { p95_ms: number };
    };
    expect(result.scenario).toBe('mixed');
    expect(result.ops_per_s).toBeGreaterThan(0);
    expect(result.thresholds.p95_ms).toBe(5);
  });

  it('exits 99 on a failed threshold with --fail-on-threshold, as k6 does', async () => {
    const child = spawn(
      process.execPath,
      [
        'node_modules/tsx/dist/cli.mjs',
        'load/cli.ts',
        'get',
        ...[
          '--duration',
          '0.5',
          '--warmup',
          '0',
          '--keys',
          '10',
          '--conns',
          '1',
          '--inflight',
          '1',
          '--workers',
          '1',
        ],
        ...['--p95-threshold', '0.001', '--fail-on-threshold'],
      ],
      { stdio: 'ignore' },
    );
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(99);
  });

  it('refuses a command line it does not understand', async () => {
    const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'load/cli.ts', 'bogus'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
    expect(stderr).toMatch(/--scenario: "bogus" is not one of mixed, get, set, watch, soak/);
  });
});
