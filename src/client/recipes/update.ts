import type { KvClient } from '../client.js';
import { ConditionFailedError } from '../errors.js';
import { type BackoffOptions, backoffDelay, sleep } from '../transport.js';
import type { KeyValue, Value } from '../types.js';

export interface UpdateOptions {
  /** Attempts before giving up with the last ConditionFailedError (default 32). */
  readonly maxAttempts?: number;
  /** Backoff between attempts after a conflict (default 5 ms doubling to 500 ms, full jitter). */
  readonly backoff?: BackoffOptions;
  /** TTL of the written value, in milliseconds (default: never expires). */
  readonly ttlMs?: number;
  readonly signal?: AbortSignal;
}

/** What an {@link update} did. */
export interface UpdateResult {
  /** The revision written, or the revision of the value read when nothing was written. */
  readonly revision: number;
  /** What `fn` returned: the value written, null for a delete, undefined for no change. */
  readonly value: Value | null | undefined;
  /** Attempts it took (1 = no conflict). */
  readonly attempts: number;
}

/**
 * Read-modify-write with optimistic concurrency: reads `key`, calls `fn` with it (null when absent) and
 * writes what `fn` returns only if the key has not changed since it was read (its mod revision); on a
 * conflict it reads again and calls `fn` again. `fn` returns the new value, null to delete the key, or
 * undefined to leave it as it is. `fn` may run several times: keep it free of side effects.
 *
 * Never resends a write whose outcome is unknown (UnavailableError with outcomeUnknown): that error is
 * thrown, since running `fn` again on a value it may already have changed would apply it twice.
 */
export async function update(
  client: KvClient,
  key: string,
  fn: (current: KeyValue | null) => Value | null | undefined | Promise<Value | null | undefined>,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const maxAttempts = options.maxAttempts ?? 32;
  const backoff = options.backoff ?? { initialMs: 5, maxMs: 500 };
  for (let attempt = 1; ; attempt++) {
    const current = await client.get(key, { signal: options.signal });
    const next = await fn(current);
    const ifModRevision = current?.modRevision ?? 0;
    try {
      if (next === undefined)
        return { revision: current?.modRevision ?? 0, value: undefined, attempts: attempt };
      if (next === null) {
        if (!current) return { revision: 0, value: null, attempts: attempt };
        const r = await client.delete(key, { ifModRevision, signal: options.signal });
        return { revision: r.revision, value: null, attempts: attempt };
      }
      const r = await client.set(key, next, {
        ifModRevision,
        ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
        signal: options.signal,
      });
      return { revision: r.revision, value: next, attempts: attempt };
    } catch (err) {
      if (!(err instanceof ConditionFailedError) || attempt >= maxAttempts) throw err;
      await sleep(backoffDelay(attempt - 1, backoff), options.signal);
    }
  }
}
