import { parseArgs } from 'node:util';
import { TARGETS, type TargetName } from './targets/index.js';

/** The load scenarios; each sets defaults that the options below can override. */
export const SCENARIOS = ['mixed', 'get', 'set', 'watch', 'soak'] as const;
/** A scenario's name. */
export type Scenario = (typeof SCENARIOS)[number];
/** What each request of the key-value scenarios does. */
export type Op = 'get' | 'set' | 'mixed';

/** Everything a load run needs; see `npm run load -- --help`. */
export interface LoadOptions {
  readonly scenario: Scenario;
  readonly target: TargetName;
  /** Server address (comma-separated: connections round-robin over them); absent: start a kvstore server. */
  readonly addr: string | undefined;
  readonly op: Op;
  /** Share of gets in `mixed`. */
  readonly readRatio: number;
  readonly conns: number;
  /** Requests outstanding in total (closed loop), or the cap on them (open loop). */
  readonly inflight: number;
  /** Open loop: requests per second in total; 0 = closed loop. */
  readonly rate: number;
  readonly workers: number;
  readonly valueBytes: number;
  readonly keys: number;
  readonly keyPrefix: string;
  readonly preload: 'auto' | 'yes' | 'no';
  readonly durationS: number;
  readonly warmupS: number;
  /** How long to wait for requests still in flight when the window closes. */
  readonly drainS: number;
  readonly serverPids: readonly number[];
  readonly watchers: number;
  /** Writes per second during the watch scenario. */
  readonly watchRate: number;
  /** Soak: report throughput and latency every this many seconds (0 = only at the end). */
  readonly reportEveryS: number;
  /** Durability of the server started for the run (when no --addr is given). */
  readonly durability: 'fsync' | 'relaxed';
  /** etcd: serializable instead of linearizable reads. */
  readonly serializable: boolean;
  /** Latency threshold checked at the end (k6's `p(95)<5`), in milliseconds; 0 = none. */
  readonly p95ThresholdMs: number;
  /** Exit 99 when a threshold fails, as k6 does (for CI); otherwise the summary only reports it. */
  readonly failOnThreshold: boolean;
  readonly label: string | undefined;
  /** Append the JSON line to this file as well. */
  readonly out: string | undefined;
}

type Defaults = Partial<Omit<LoadOptions, 'scenario'>>;

const COMMON: Omit<LoadOptions, 'scenario' | 'addr' | 'label' | 'out' | 'serverPids'> = {
  target: 'kvstore',
  op: 'mixed',
  readRatio: 0.9,
  conns: 4,
  inflight: 16,
  rate: 0,
  workers: 2,
  valueBytes: 100,
  keys: 10_000,
  keyPrefix: 'load/',
  preload: 'auto',
  durationS: 5,
  warmupS: 1,
  drainS: 5,
  watchers: 50,
  watchRate: 100,
  reportEveryS: 0,
  durability: 'fsync',
  serializable: false,
  p95ThresholdMs: 0,
  failOnThreshold: false,
};

/** Bounded defaults: every scenario finishes in seconds unless told otherwise. */
const SCENARIO_DEFAULTS: Record<Scenario, Defaults> = {
  mixed: { op: 'mixed', p95ThresholdMs: 5 },
  get: { op: 'get' },
  set: { op: 'set' },
  watch: { conns: 2, keyPrefix: 'load/watch/', keys: 1000, drainS: 1 },
  soak: {
    op: 'mixed',
    rate: 500,
    inflight: 64,
    durationS: 60,
    warmupS: 2,
    reportEveryS: 10,
    p95ThresholdMs: 5,
  },
};

/** Usage text. */
export const USAGE = `usage: npm run load -- <scenario> [options]

scenarios (bounded defaults; every option below overrides them):
  mixed   closed-loop get/set mix, 90 % gets, 4 connections x 16 in flight, 5 s after 1 s warm-up; p95 < 5 ms
  get     the same with gets only (after a preload of every key)
  set     the same with durable sets only
  watch   W watchers on one prefix (one stream each), one writer at --watch-rate; delivery and delay
  soak    open-loop mix at --rate 500 ops/s for 60 s, a report every 10 s; p95 < 5 ms

options:
  --target kvstore|etcd   the server's API (kvstore)
  --addr HOST:PORT[,...]  server to drive; several: connections round-robin over them (a cluster's
                          endpoints); without it a kvstore server is started on free loopback ports
  --server-pid P[,P]      report the server's CPU (from /proc) and CPU per op (automatic for a started server)
  --conns C               connections (gRPC channels, each its own socket) (4)
  --inflight N            requests outstanding in total, closed loop; the cap in open loop (16)
  --rate R                open loop: R requests/s in total, latency counted from when each fell due (0 = closed)
  --op get|set|mixed      what each request does (from the scenario)
  --read-ratio X          share of gets in a mix (0.9)
  --value-bytes B         value size (100)
  --keys K                key space, uniform random keys (10000)
  --key-prefix P          key prefix (load/)
  --preload auto|yes|no   write every key first; auto = for get and mixed (auto)
  --duration S            measured window in seconds (5; soak 60)
  --warmup S              unmeasured load before it (1)
  --workers W             worker threads for the connections (2; at most --conns)
  --watchers W            watch: watchers (50)
  --watch-rate R          watch: writes per second (100)
  --report-every S        print interval figures every S seconds (soak 10)
  --durability fsync|relaxed   durability of a server started for the run (fsync)
  --serializable          etcd: serializable reads
  --p95-threshold MS      threshold on p95 latency, checked and reported at the end; 0 = none (mixed, soak: 5)
  --fail-on-threshold     exit 99, as k6 does, when a threshold fails (for CI)
  --label TEXT            tag the result
  --out FILE              also append the JSON line to FILE
  --help

Prints a summary (throughput, latency p50/p95/p99, errors, CPU) on stderr and one JSON line on stdout.`;

/** A command line that does not parse; the message says why. */
export class UsageError extends Error {}

function positive(name: string, raw: string | undefined, allowZero = false): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new UsageError(`--${name}: "${raw}" is not a positive number`);
  return n;
}

function choice<T extends string>(
  name: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(`--${name}: "${raw}" is not one of ${allowed.join(', ')}`);
  return raw as T;
}

/** Parses `npm run load` arguments; returns null for --help. */
export function parseLoadArgs(argv: readonly string[]): LoadOptions | null {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      addr: { type: 'string' },
      'server-pid': { type: 'string' },
      conns: { type: 'string' },
      inflight: { type: 'string' },
      rate: { type: 'string' },
      op: { type: 'string' },
      'read-ratio': { type: 'string' },
      'value-bytes': { type: 'string' },
      keys: { type: 'string' },
      'key-prefix': { type: 'string' },
      preload: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      drain: { type: 'string' },
      workers: { type: 'string' },
      watchers: { type: 'string' },
      'watch-rate': { type: 'string' },
      'report-every': { type: 'string' },
      durability: { type: 'string' },
      serializable: { type: 'boolean' },
      'p95-threshold': { type: 'string' },
      'fail-on-threshold': { type: 'boolean' },
      label: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return null;
  if (positionals.length !== 1) throw new UsageError('name one scenario: mixed, get, set, watch or soak');
  const scenario = choice('scenario', positionals[0], SCENARIOS)!;
  const d = { ...COMMON, ...SCENARIO_DEFAULTS[scenario] };
  const readRatio = positive('read-ratio', values['read-ratio'], true) ?? d.readRatio;
  if (readRatio > 1) throw new UsageError('--read-ratio: must be from 0 to 1');
  const conns = Math.round(positive('conns', values.conns) ?? d.conns);
  const op = choice('op', values.op, ['get', 'set', 'mixed'] as const) ?? d.op;
  const options: LoadOptions = {
    scenario,
    target: choice('target', values.target, Object.keys(TARGETS) as TargetName[]) ?? d.target,
    addr: values.addr,
    op,
    readRatio: op === 'get' ? 1 : op === 'set' ? 0 : readRatio,
    conns,
    inflight: Math.max(conns, Math.round(positive('inflight', values.inflight) ?? d.inflight)),
    rate: positive('rate', values.rate, true) ?? d.rate,
    workers: Math.min(conns, Math.round(positive('workers', values.workers) ?? d.workers)),
    valueBytes: Math.max(8, Math.round(positive('value-bytes', values['value-bytes']) ?? d.valueBytes)),
    keys: Math.round(positive('keys', values.keys) ?? d.keys),
    keyPrefix: values['key-prefix'] ?? d.keyPrefix,
    preload: choice('preload', values.preload, ['auto', 'yes', 'no'] as const) ?? d.preload,
    durationS: positive('duration', values.duration) ?? d.durationS,
    warmupS: positive('warmup', values.warmup, true) ?? d.warmupS,
    drainS: positive('drain', values.drain, true) ?? d.drainS,
    serverPids: (values['server-pid'] ?? '')
      .split(',')
      .filter((p) => p.trim() !== '')
      .map((p) => positive('server-pid', p.trim())!),
    watchers: Math.round(positive('watchers', values.watchers) ?? d.watchers),
    watchRate: positive('watch-rate', values['watch-rate']) ?? d.watchRate,
    reportEveryS: positive('report-every', values['report-every'], true) ?? d.reportEveryS,
    durability: choice('durability', values.durability, ['fsync', 'relaxed'] as const) ?? d.durability,
    serializable: values.serializable ?? d.serializable,
    p95ThresholdMs: positive('p95-threshold', values['p95-threshold'], true) ?? d.p95ThresholdMs,
    failOnThreshold: values['fail-on-threshold'] ?? d.failOnThreshold,
    label: values.label,
    out: values.out,
  };
  if (options.target !== 'kvstore' && options.addr === undefined)
    throw new UsageError(
      `--target ${options.target} needs --addr HOST:PORT (only kvstore is started for you)`,
    );
  return options;
}

/** Options for a run driven from code (issue 3's benchmark): the scenario's defaults with `overrides`. */
export function loadOptions(
  scenario: Scenario,
  overrides: Partial<Omit<LoadOptions, 'scenario'>> = {},
): LoadOptions {
  const d = { ...COMMON, ...SCENARIO_DEFAULTS[scenario] };
  const op = overrides.op ?? d.op;
  return {
    ...d,
    scenario,
    addr: undefined,
    label: undefined,
    out: undefined,
    serverPids: [],
    ...overrides,
    readRatio: op === 'get' ? 1 : op === 'set' ? 0 : (overrides.readRatio ?? d.readRatio),
    op,
  };
}
