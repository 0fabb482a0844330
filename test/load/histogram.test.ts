import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../load/histogram.js';

describe('LatencyHistogram', () => {
  it('gives percentiles within 0.1 % of the exact sorted-sample value, across threads', () => {
    const values: number[] = [];
    const parts = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 30_000; i++) {
      // Log-uniform from 20 us to 2 s: every bucket regime of the histogram is exercised.
      const v = Math.round(20 * 100_000 ** random());
      values.push(v);
      parts[i % 3]!.record(v);
    }
    const merged = LatencyHistogram.merge(parts.map((p) => p.serialize()));
    values.sort((a, b) => a - b);
    for (const p of [1, 50, 90, 95, 99, 99.9, 100]) {
      const exact = values[Math.max(0, Math.ceil((p / 100) * values.length) - 1)]!;
      const got = merged.percentile(p);
      expect(got, `p${p}`).toBeGreaterThanOrEqual(exact);
      expect((got - exact) / exact, `p${p}`).toBeLessThan(0.001);
    }
    expect(merged.count).toBe(30_000);
    expect(merged.min).toBe(values[0]);
    expect(merged.max).toBe(values.at(-1));
    expect(merged.summary()!.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 0);
  });

  it('reports nothing when empty and clamps what it cannot hold', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toBeNull();
    h.record(0.2);
    h.record(1e12);
    expect(h.min).toBe(1);
    expect(h.max).toBe(100_000_000);
  });
});
