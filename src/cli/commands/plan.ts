import { formatMs, parseBytes, parseDuration } from '../../config/units.js';
import type { Command, CommandContext } from '../command.js';
import { stringFlag } from '../command.js';
import { usage } from '../exit-codes.js';
import { printJson } from '../output.js';
import { PLAN_COSTS, plan } from '../plan-model.js';

export const planCommand: Command = {
  name: 'plan',
  summary: 'capacity planning: expected disk, memory and start-up time for a workload',
  options: {
    keys: { type: 'string' },
    'value-bytes': { type: 'string' },
    'key-bytes': { type: 'string' },
    'writes-per-s': { type: 'string' },
    retain: { type: 'string' },
  },
  help: `NAME
    kvstore plan - expected disk, memory and start-up time for a workload

SYNOPSIS
    kvstore plan --keys N --value-bytes B --writes-per-s W --retain DURATION [--key-bytes K] [--json]

DESCRIPTION
    Offline arithmetic from per-key and per-event costs measured on real runs (SQLite log; see
    docs/operations.md, "Capacity planning"): N keys of K-byte keys (default 16) and B-byte values,
    W single writes per second, the history of DURATION kept (compaction.keepFor = DURATION).
      log           the keys as loaded plus W x DURATION writes (the most it holds: once the server has
                    run longer than DURATION, compaction drops the load and it holds the writes)
      checkpoint    one checkpoint file; two are kept
      disk          log + two checkpoints (keep doctor's 10 % headroom on top)
      RSS           resident memory once started (start-up is its peak: the checkpoint is decoded)
      start-up      process start to serving after a clean shutdown (a crash adds the replay of up to
                    checkpoint.everyRevisions revisions)

EXAMPLES
    kvstore plan --keys 1000000 --value-bytes 256 --writes-per-s 500 --retain 7d`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('plan takes no positional arguments', 'plan');
    const keys = count(ctx, 'keys', true);
    const valueBytes = size(ctx, 'value-bytes', undefined);
    const keyBytes = size(ctx, 'key-bytes', 16);
    const writesPerSecond = count(ctx, 'writes-per-s', true);
    const retainText = stringFlag(ctx, 'retain');
    if (retainText === undefined) throw usage('--retain DURATION is required (e.g. 7d)', 'plan');
    const retainMs = parseDuration(retainText, 's');
    if (retainMs === null || retainMs < 0)
      throw usage(`--retain: "${retainText}" is not a duration (e.g. 12h, 7d)`, 'plan');
    const p = plan({ keys, keyBytes, valueBytes, writesPerSecond, retainMs });
    if (ctx.global.json) {
      printJson({
        input: {
          keys,
          key_bytes: keyBytes,
          value_bytes: valueBytes,
          writes_per_s: writesPerSecond,
          retain_ms: retainMs,
        },
        retained_writes: p.retainedWrites,
        log_bytes: p.logBytes,
        checkpoint_bytes: p.checkpointBytes,
        checkpoints_kept: PLAN_COSTS.checkpointsKept,
        disk_bytes: p.diskBytes,
        rss_bytes: p.rssBytes,
        startup_ms: Math.round(p.startupMs),
      });
      return 0;
    }
    const rows: [string, string][] = [
      ['log', `${bytes(p.logBytes)} (${keys} keys as loaded + ${p.retainedWrites} writes kept)`],
      ['checkpoint', `${bytes(p.checkpointBytes)} each, ${PLAN_COSTS.checkpointsKept} kept`],
      [
        'disk',
        `${bytes(p.diskBytes)} (a volume of at least ${bytes(Math.ceil(p.diskBytes / 0.9))} for 10 % headroom)`,
      ],
      ['RSS', `${bytes(p.rssBytes)} once started`],
      ['start-up', `${formatMs(Math.round(p.startupMs / 100) * 100)} after a clean shutdown`],
    ];
    for (const [k, v] of rows) process.stdout.write(`${k.padEnd(10)}  ${v}\n`);
    return 0;
  },
};

function count(ctx: CommandContext, flag: string, required: boolean): number {
  const raw = stringFlag(ctx, flag);
  if (raw === undefined) {
    if (required) throw usage(`--${flag} is required`, 'plan');
    return 0;
  }
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw usage(`--${flag}: "${raw}" is not a number of at least 0`, 'plan');
  return v;
}

function size(ctx: CommandContext, flag: string, fallback: number | undefined): number {
  const raw = stringFlag(ctx, flag);
  if (raw === undefined) {
    if (fallback === undefined) throw usage(`--${flag} is required`, 'plan');
    return fallback;
  }
  const v = parseBytes(raw);
  if (v === null) throw usage(`--${flag}: "${raw}" is not a size (e.g. 100, 4KiB)`, 'plan');
  return v;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(n)} B` : `${v.toFixed(1)} ${units[u]}`;
}
