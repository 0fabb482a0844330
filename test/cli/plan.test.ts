import { availableParallelism, loadavg } from 'node:os';
import { describe, expect, it } from 'vitest';
import { measurePlanRun } from '../../bench/plan-measure.js';
import { kvstore } from '../helpers/cli.js';

// kvstore plan against a real run: 60 000 keys of 200 bytes loaded, 5 000 single writes (1 write/s kept
// for 5000 s), stopped and started again.
interface PlanJson {
  log_bytes: number;
  checkpoint_bytes: number;
  rss_bytes: number;
  startup_ms: number;
  retained_writes: number;
}

const within = (predicted: number, measured: number, fraction: number, what: string) =>
  expect(
    Math.abs(predicted - measured) / measured,
    `${what}: predicted ${predicted}, measured ${Math.round(measured)}`,
  ).toBeLessThanOrEqual(fraction);

describe('kvstore plan', () => {
  it('predicts the log, checkpoint and RSS of a real run within 20 %', async () => {
    const out = await kvstore([
      'plan',
      '--keys',
      '60000',
      '--value-bytes',
      '200',
      '--writes-per-s',
      '1',
      '--retain',
      '5000s',
      '--json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const p = JSON.parse(out.stdout) as PlanJson;
    expect(p.retained_writes).toBe(5000);
    const run = await measurePlanRun(60_000, 200, 5000);
    console.log(`plan vs run: ${JSON.stringify(p)} ${JSON.stringify(run)}`);
    within(p.log_bytes, run.logBytes, 0.2, 'log');
    within(p.checkpoint_bytes, run.checkpointBytes, 0.2, 'checkpoint');
    within(p.rss_bytes, run.rssBytes, 0.2, 'RSS');
    // Start-up is mostly process start, and varies by 40 % from run to run on a loaded 2-core machine:
    // checked within a factor of two only (docs/operations.md, "Capacity planning"), and not at all when
    // other work holds more than the machine's cores (a wall-clock figure then measures the neighbours).
    expect(run.startupMs).toBeGreaterThan(p.startup_ms / 2);
    const load = loadavg()[0]!;
    if (load <= availableParallelism()) expect(run.startupMs).toBeLessThan(p.startup_ms * 2);
    else
      console.log(`start-up not compared: load average ${load.toFixed(1)} > ${availableParallelism()} cores`);
  }, 120_000);

  it('prints a readable plan and refuses what it cannot use', async () => {
    const out = await kvstore([
      'plan',
      '--keys',
      '1000000',
      '--value-bytes',
      '256',
      '--writes-per-s',
      '500',
      '--retain',
      '7d',
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^log +\d.* GiB \(1000000 keys as loaded \+ 302400000 writes kept\)$/m);
    for (const row of ['checkpoint', 'disk', 'RSS', 'start-up'])
      expect(out.stdout).toMatch(new RegExp(`^${row} `, 'm'));
    expect((await kvstore(['plan', '--keys', '10'])).code).toBe(2);
    expect(
      (await kvstore(['plan', '--keys', 'x', '--value-bytes', '1', '--writes-per-s', '1', '--retain', '1d']))
        .code,
    ).toBe(2);
  });
});
