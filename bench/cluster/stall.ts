/**
 * The write stall of a leader kill: a writer loop runs, the process leading writes is SIGKILLed, and the
 * stall is the longest gap between consecutive acknowledged writes around the kill. Afterwards every
 * acknowledged key is read back from the surviving endpoints: one that is missing is a lost write.
 */
import type { LoadTarget } from '../../load/targets/target.js';
import type { BenchCluster } from './bench-cluster.js';
import { type WriterOptions, Writers } from './writers.js';

/** Settings of one stall measurement. */
export interface StallOptions extends Omit<WriterOptions, 'prefix'> {
  /** Writing before the kill, to know the normal rate and gaps. */
  readonly beforeS: number;
  /** Give up waiting for writes to come back after this long. */
  readonly maxWaitS: number;
}

/** One leader kill, as a JSON line. */
export interface StallResult {
  readonly bench: 'cluster-stall';
  readonly target: string;
  readonly kill: number;
  readonly killed: string;
  readonly writers: number;
  readonly timeout_ms: number;
  /** Longest gap between consecutive acknowledgements that ends after the kill. */
  readonly stall_ms: number;
  /** When that gap began, from the kill (negative: writes had already stopped before the kill returned). */
  readonly stall_began_ms: number;
  /** Longest gap before the kill: how large gaps are anyway. */
  readonly before_max_gap_ms: number;
  /** From the kill until acknowledgements came back at half the rate before it; null = not within maxWaitS. */
  readonly recovered_ms: number | null;
  readonly before_ops_per_s: number;
  readonly acked: number;
  readonly write_errors: number;
  readonly write_error_kinds: Record<string, number>;
  /** Acknowledged keys not found on the survivors (the first 20 named); reads that failed 5 times apart. */
  readonly lost: number | null;
  readonly lost_keys: readonly string[];
  readonly read_errors: number;
  /** Why acknowledged writes could not be read back: all (lost is null then) or some (read_errors). */
  readonly read_failed?: string;
  /** Server processes that died on their own during the measurement (a crash is a finding). */
  readonly crashed: readonly string[];
  readonly read_from: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x: number) => Math.round(x);

/** Kills the leader of `cluster` under a writer loop; the cluster is left with that process down. */
export async function measureStall(
  cluster: BenchCluster,
  kill: number,
  options: StallOptions,
  log: (line: string) => void,
): Promise<StallResult> {
  const addr = cluster.endpoints.join(',');
  const target = await cluster.connect(addr, options.conns);
  const writers = new Writers(target, { ...options, prefix: `stall/${kill}/` });
  let killed: Awaited<ReturnType<BenchCluster['killLeader']>>;
  let killAt: number;
  let recovered: number | null = null;
  const started = performance.now();
  try {
    writers.start();
    await sleep(options.beforeS * 1000);
    const beforeRate = writers.acksSince(performance.now() - 1000);
    killed = await cluster.killLeader();
    killAt = performance.now();
    log(`${cluster.name}: killed ${killed.name} (${beforeRate} writes/s before)`);
    // Back: a full half second after the kill with at least half the usual rate.
    while (performance.now() - killAt < options.maxWaitS * 1000) {
      await sleep(100);
      const now = performance.now();
      if (now - 500 > killAt && writers.acksSince(now - 500) * 2 >= beforeRate / 2) {
        recovered = now - killAt;
        break;
      }
    }
    await sleep(1000);
  } finally {
    await writers.stop();
    target.close();
  }
  const gaps = stallGaps(writers.ackTimes, started + 1000, killAt, performance.now());
  const check = await readBack(cluster, killed.survivors, writers.ackedKeys).catch((err: Error) => ({
    lost: null,
    lost_keys: [],
    read_errors: 0,
    read_failed: err.message,
  }));
  return {
    bench: 'cluster-stall',
    target: cluster.name,
    kill,
    killed: killed.name,
    writers: options.inflight,
    timeout_ms: options.timeoutMs,
    ...gaps,
    recovered_ms: recovered === null ? null : round(recovered),
    before_ops_per_s: writers.ackTimes.filter((t) => t > killAt - 1000 && t <= killAt).length,
    acked: new Set(writers.ackedKeys).size,
    write_errors: writers.errors,
    write_error_kinds: writers.errorKinds,
    ...check,
    read_from: killed.survivors,
    crashed: cluster.crashes(),
  };
}

/** The longest gap ending after the kill (the stall) and the longest one before it (from `from` on). */
export function stallGaps(
  times: readonly number[],
  from: number,
  killAt: number,
  end: number,
): { stall_ms: number; stall_began_ms: number; before_max_gap_ms: number } {
  let stall = 0;
  let began = 0;
  let before = 0;
  // A loop that never got an answer after the kill stalled until it stopped.
  const all = [...times, end];
  for (let i = 1; i < all.length; i++) {
    const gap = all[i]! - all[i - 1]!;
    if (all[i]! <= killAt) {
      if (all[i - 1]! >= from) before = Math.max(before, gap);
    } else if (gap > stall && (i < all.length - 1 || all[i - 1]! <= killAt)) {
      stall = gap;
      began = all[i - 1]! - killAt;
    }
  }
  return { stall_ms: round(stall), stall_began_ms: round(began), before_max_gap_ms: round(before) };
}

/** Reads every acknowledged key from the survivors (64 at a time, 5 tries each). */
async function readBack(
  cluster: BenchCluster,
  survivors: readonly string[],
  keys: readonly string[],
): Promise<{ lost: number; lost_keys: string[]; read_errors: number; read_failed?: string }> {
  const unique = [...new Set(keys)];
  const target = await cluster.connect(survivors.join(','), survivors.length);
  const lost: string[] = [];
  let readErrors = 0;
  let firstError: string | undefined;
  let next = 0;
  const reader = async (r: number) => {
    while (next < unique.length) {
      const key = unique[next++]!;
      const found = await getWithRetries(target, r % survivors.length, key);
      if (typeof found === 'string') {
        readErrors++;
        firstError ??= `${key}: ${found}`;
      } else if (!found) lost.push(key);
    }
  };
  try {
    await Promise.all(Array.from({ length: 64 }, (_, r) => reader(r)));
  } finally {
    target.close();
  }
  return {
    lost: lost.length,
    lost_keys: lost.slice(0, 20),
    read_errors: readErrors,
    ...(firstError === undefined ? {} : { read_failed: `first failed read: ${firstError}` }),
  };
}

/** found / not found, or the last error's message when 5 tries failed. */
async function getWithRetries(target: LoadTarget, conn: number, key: string): Promise<boolean | string> {
  const encoded = target.encodeKey(key);
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const found = await new Promise<boolean | string>((resolve) =>
      target.get(conn, encoded, (err, f) => resolve(err ? err.message : f)),
    );
    if (typeof found === 'boolean') return found;
    last = found;
    await sleep(200);
  }
  return last;
}
