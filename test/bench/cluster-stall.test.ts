import { describe, expect, it } from 'vitest';
import type { BenchCluster } from '../../bench/cluster/bench-cluster.js';
import { measureStall, stallGaps } from '../../bench/cluster/stall.js';
import type { LoadTarget } from '../../load/targets/target.js';

describe('the stall of a leader kill', () => {
  it('is the longest gap between acknowledgements that ends after the kill', () => {
    // Acks every 10 ms, the kill at 100, nothing from 95 to 600, then acks again.
    const times = [50, 60, 70, 80, 90, 95, 600, 610, 620];
    expect(stallGaps(times, 0, 100, 630)).toEqual({
      stall_ms: 505,
      stall_began_ms: -5,
      before_max_gap_ms: 10,
    });
  });

  it('runs to the end of the loop when no write came back after the kill', () => {
    expect(stallGaps([10, 20, 30], 0, 35, 5000)).toMatchObject({ stall_ms: 4970, stall_began_ms: -5 });
  });

  it('measures a fake cluster that stops answering for 400 ms, and finds a write it lost', async () => {
    const stored = new Set<string>();
    let downUntil = 0;
    let dropOne = true;
    const fake: LoadTarget<string> = {
      name: 'fake',
      encodeKey: (k) => k,
      set(_conn, key, _value, done) {
        const answer = () => {
          // One acknowledged write is "lost": acknowledged but never stored.
          if (dropOne && performance.now() > downUntil && downUntil > 0) dropOne = false;
          else stored.add(key);
          done(null, true);
        };
        setTimeout(answer, Math.max(1, downUntil - performance.now()));
      },
      get: (_conn, key, done) => setTimeout(() => done(null, stored.has(key)), 0),
      info: async () => ({}),
      close() {},
    };
    const cluster: BenchCluster = {
      name: 'fake',
      loadTarget: null,
      endpoints: ['a:1', 'b:2', 'c:3'],
      connect: async () => fake,
      serverPids: () => [],
      crashes: () => [],
      describe: () => ({}),
      async killLeader() {
        downUntil = performance.now() + 400;
        return { name: 'leader', survivors: ['b:2', 'c:3'] };
      },
      heal: async () => {},
      stop: async () => {},
    };
    const r = await measureStall(
      cluster,
      1,
      { inflight: 4, conns: 3, timeoutMs: 2000, valueBytes: 10, beforeS: 1.2, maxWaitS: 5 },
      () => {},
    );
    // The 400 ms outage, less the time the writes in flight at the kill took to be answered (a 1 ms timer,
    // late by what the machine's load makes it): the outage, not an ordinary gap between answers.
    expect(r.stall_ms).toBeGreaterThanOrEqual(300);
    expect(r.stall_ms).toBeLessThan(1000);
    expect(r.recovered_ms).toBeGreaterThanOrEqual(400);
    expect(r.acked).toBeGreaterThan(100);
    expect(r.lost).toBe(1);
    expect(r.read_errors).toBe(0);
    expect(r.write_errors).toBe(0);
  });
});
