import type { TargetName } from '../../load/targets/index.js';
import type { LoadTarget } from '../../load/targets/target.js';

/** What a leader kill took down, and where acknowledged writes can be read back afterwards. */
export interface Killed {
  /** The process killed (an etcd member, a nats-server). */
  readonly name: string;
  /** Client endpoints still served after the kill. */
  readonly survivors: readonly string[];
}

/** A 3-process cluster the cluster bench drives through the load client (load/). */
export interface BenchCluster {
  /** Name in the tables and JSON lines. */
  readonly name: string;
  /** The load/ target that drives its load runs; null: it is only measured for the stall. */
  readonly loadTarget: TargetName | null;
  /** Client endpoints (HOST:PORT), one per serving process. */
  readonly endpoints: readonly string[];
  /** A client with `conns` connections, connection i on endpoint i % n of the comma-separated `addr`. */
  connect(addr: string, conns: number): Promise<LoadTarget>;
  /** Processes that exited without the bench ending them, each with its last output. */
  crashes(): string[];
  /** Every server process running now (their CPU is summed per operation). */
  serverPids(): number[];
  /** Versions and settings, for the record. */
  describe(): Record<string, unknown>;
  /** SIGKILLs the process that leads writes now (the etcd leader; the NATS stream leader). */
  killLeader(): Promise<Killed>;
  /** Starts what was killed again and waits until the cluster is whole (3 of 3 in sync). */
  heal(): Promise<void>;
  /** Stops every process and removes the data directories. */
  stop(): Promise<void>;
}

/** Polls `probe` every `everyMs` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`${what}: not after ${timeoutMs} ms${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
