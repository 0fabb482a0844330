import type { PutEvent } from '../log/events.js';
import type { KeyState } from '../projections/key-state.js';
import type { Condition } from './conditions.js';
import { InvalidArgumentError } from './errors.js';
import type { Limits } from './limits.js';
import { validateKey, validateTtl, validateValue } from './limits.js';
import { deleteRecord, NothingToWrite, putRecord } from './record-builders.js';
import type { WritePath } from './write-path.js';

/** Options of {@link KvStore.set}. */
export interface SetOptions {
  /** The key expires this many milliseconds after the write (absent: never). */
  readonly ttlMs?: number;
  /** Write only if this holds at the serialisation point. */
  readonly condition?: Condition;
  /** Attach the key to this lease (etcd's Put.lease); it must exist. Not with `ttlMs`. */
  readonly lease?: number;
}

/** Result of a write: the revision that holds it. */
export interface SetResult {
  readonly revision: number;
  readonly createRevision: number;
  readonly version: number;
  readonly expiresAt: number;
}

/** Result of a delete; `deleted` is false (and `revision` the current one) when the key did not exist. */
export interface DeleteResult {
  readonly revision: number;
  readonly deleted: boolean;
}

/**
 * Writes of one key, each one record. Their conditions are checked at the log's serialisation point, by
 * the record builders, so they hold for exactly the state the record follows.
 */
export class SingleKeyOps {
  constructor(
    private readonly writes: WritePath,
    private readonly state: KeyState,
    private readonly limits: Limits,
  ) {}

  /** Sets `key` to `value`; see {@link KvStore.set}. */
  async set(key: string, value: Uint8Array, options: SetOptions): Promise<SetResult> {
    validateKey(key, this.limits);
    validateValue(value, this.limits);
    if (options.condition?.kind === 'value')
      validateValue(options.condition.value, this.limits, 'condition.value');
    const ttlMs = options.ttlMs === undefined ? undefined : validateTtl(options.ttlMs, this.limits);
    const lease = options.lease ?? 0;
    if (lease !== 0 && ttlMs !== undefined) {
      throw new InvalidArgumentError('lease', 'a key has a ttl_ms or a lease, not both');
    }
    const record = await this.writes.append(
      putRecord(this.writes.view, key, value, ttlMs, options.condition, lease),
    );
    const put = record.events.at(-1) as PutEvent;
    return {
      revision: record.revision,
      createRevision: put.createRevision,
      version: put.version,
      expiresAt: put.expiresAt,
    };
  }

  /** Deletes `key`; see {@link KvStore.delete}. */
  async delete(key: string, condition?: Condition): Promise<DeleteResult> {
    validateKey(key, this.limits);
    if (condition?.kind === 'value') validateValue(condition.value, this.limits, 'condition.value');
    try {
      const record = await this.writes.append(deleteRecord(this.writes.view, key, condition));
      return { revision: record.revision, deleted: true };
    } catch (err) {
      if (err instanceof NothingToWrite) return { revision: this.state.revision, deleted: false };
      throw err;
    }
  }
}
