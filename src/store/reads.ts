import type { KeySpan } from '../keys/key-order.js';
import type { EventLog } from '../log/event-log.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { isLive } from '../projections/key-entry.js';
import type { IndexSnapshot } from '../projections/key-index.js';
import type { KeyState } from '../projections/key-state.js';
import { StoreUnavailableError } from './errors.js';
import type { Limits } from './limits.js';
import { validateKey, validateLimit, validateSpan } from './limits.js';
import { type ListOptions, type ListResult, listKeys } from './list-keys.js';
import type { WritePath } from './write-path.js';

/** Result of a get at the store's current revision. */
export interface GetResult {
  readonly revision: number;
  readonly entry: KeyEntry | undefined;
}

/** The state at one revision, frozen (later writes do not change it). */
export interface StateSnapshot {
  readonly revision: number;
  readonly entries: IndexSnapshot;
}

const ALL_KEYS: KeySpan = { kind: 'prefix', prefix: '' };

/**
 * Reads, served from this node's projection at its current revision, and the wait that makes them
 * linearizable when other nodes also write the log.
 */
export class StoreReads {
  constructor(
    private readonly state: KeyState,
    private readonly log: EventLog,
    private readonly writes: WritePath,
    private readonly limits: Limits,
    private readonly defaultListLimit: number,
  ) {}

  /** Reads one key; an expired key reads as absent. */
  get(key: string): GetResult {
    validateKey(key, this.limits);
    const entry = this.state.get(key);
    return { revision: this.state.revision, entry: entry && isLive(entry, Date.now()) ? entry : undefined };
  }

  /** Lists live keys of a span in key order, one page at a time. */
  list(options: ListOptions): ListResult {
    const span = validateSpan(options.span ?? ALL_KEYS, this.limits);
    const limit = validateLimit(options.limit ?? 0, this.limits) || this.defaultListLimit;
    return { revision: this.state.revision, ...listKeys(this.state.index, span, limit, options, Date.now()) };
  }

  /** The current state, frozen: copy-on-write, so taking it is cheap. */
  snapshot(): StateSnapshot {
    return { revision: this.state.revision, entries: this.state.index.snapshot() };
  }

  /** True when other nodes also write the log, so reads must wait for {@link caughtUp}. */
  get sharedLog(): boolean {
    return this.log.readIndex !== undefined;
  }

  /** Resolves once every write acknowledged anywhere before the call is applied here; see KvStore.caughtUp. */
  async caughtUp(timeoutMs: number): Promise<void> {
    if (this.log.readIndex === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(
              `a linearizable read needs the log's leader, which did not answer within ${timeoutMs} ms; ` +
                "retry, or read with serializable (this node's state, possibly behind other nodes)",
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([
        this.log.readIndex().then(
          (index) => this.writes.durable(index),
          (err: unknown) => {
            throw new StoreUnavailableError(
              `a linearizable read needs the log's leader: ${(err as Error).message}; retry, or read with serializable`,
            );
          },
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
