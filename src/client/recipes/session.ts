import { randomBytes } from 'node:crypto';
import type { KvClient } from '../client.js';
import { ConditionFailedError, KvError, UnavailableError } from '../errors.js';
import { compare, op } from '../txn.js';
import type { KeyMeta, Value } from '../types.js';

export interface SessionOptions {
  /** Time to live of the session's keys: they vanish this long after the process stops refreshing them (default 10 000 ms). */
  readonly ttlMs?: number;
  /** How often the keys are refreshed (default ttlMs / 3). */
  readonly keepAliveMs?: number;
  /** The session's id, used in its key names (default: 16 random hex digits). */
  readonly id?: string;
}

/** Why a session ended without close(). */
export class SessionLostError extends Error {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
    this.name = 'SessionLostError';
  }
}

interface Owned {
  value: Buffer;
  createRevision: number;
  modRevision: number;
}

/**
 * A lease-like session: the keys it puts carry a TTL and are refreshed every keepAliveMs while the process
 * lives; when the process dies (or loses the server for longer than the TTL) they expire and vanish, and
 * watchers see an EXPIRE event. A key is the session's own incarnation of it (its create revision): a
 * refresh is a transaction `if createRevision(key) == mine then set(key, value, ttl)`, so it never
 * resurrects a key that was deleted or taken over. When a refresh finds the key gone, or no refresh
 * succeeded for a whole TTL, the session is lost: `signal` aborts with a {@link SessionLostError}.
 */
export class Session {
  readonly id: string;
  readonly ttlMs: number;
  private readonly keepAliveMs: number;
  private readonly owned = new Map<string, Owned>();
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastRefresh = Date.now();
  private refreshing = false;
  private closed = false;

  constructor(
    readonly client: KvClient,
    options: SessionOptions = {},
  ) {
    this.id = options.id ?? randomBytes(8).toString('hex');
    this.ttlMs = options.ttlMs ?? 10_000;
    this.keepAliveMs = options.keepAliveMs ?? Math.max(10, Math.floor(this.ttlMs / 3));
    this.timer = setInterval(() => void this.refresh(), this.keepAliveMs);
    this.timer.unref();
  }

  /** Aborts (with a SessionLostError as its reason) when the session is lost; also on close(). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get lost(): boolean {
    return this.controller.signal.aborted && !this.closed;
  }

  /** The create revision of a key this session holds (undefined when it holds none by that name). */
  createRevisionOf(key: string): number | undefined {
    return this.owned.get(key)?.createRevision;
  }

  /**
   * Creates `key` (it must not exist) with the session's TTL and keeps it alive. Throws a
   * ConditionFailedError when the key exists. An unknown outcome is settled by reading the key back:
   * session keys have names no other session writes (they contain the session id), so a key found is ours.
   */
  async create(key: string, value: Value): Promise<KeyMeta> {
    this.assertOpen();
    const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
    let meta: KeyMeta;
    try {
      meta = (await this.client.set(key, bytes, { ifAbsent: true, ttlMs: this.ttlMs })).kv;
    } catch (err) {
      if (!(err instanceof UnavailableError && err.outcomeUnknown)) throw err;
      const found = await this.client.get(key);
      if (!found?.value.equals(bytes)) throw err;
      meta = found;
    }
    this.owned.set(key, { value: bytes, createRevision: meta.createRevision, modRevision: meta.modRevision });
    return meta;
  }

  /** Changes the value of a key this session holds (only while it is still this session's incarnation). */
  async put(key: string, value: Value): Promise<void> {
    const mine = this.owned.get(key);
    if (!mine) throw new Error(`session ${this.id} does not hold ${key}`);
    const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
    const r = await this.client
      .txn()
      .if(compare.createRevision(key, '=', mine.createRevision))
      .onSuccess(op.set(key, bytes, { ttlMs: this.ttlMs }))
      .commit();
    if (!r.succeeded) this.lose(new SessionLostError(`session ${this.id}: ${key} is no longer ours`, key));
    else mine.value = bytes;
  }

  /** Deletes a key this session holds, if it is still this session's incarnation, and stops refreshing it. */
  async release(key: string): Promise<void> {
    const mine = this.owned.get(key);
    if (!mine) return;
    this.owned.delete(key);
    await this.client
      .txn()
      .if(compare.createRevision(key, '=', mine.createRevision))
      .onSuccess(op.delete(key))
      .commit();
  }

  /** Refreshes every key (safe to repeat: it sets the same value and TTL again). */
  private async refresh(): Promise<void> {
    if (this.refreshing || this.controller.signal.aborted) return;
    this.refreshing = true;
    try {
      for (const [key, mine] of [...this.owned]) {
        const r = await this.client
          .txn({ timeoutMs: this.keepAliveMs })
          .if(compare.createRevision(key, '=', mine.createRevision))
          .onSuccess(op.set(key, mine.value, { ttlMs: this.ttlMs }))
          .commit();
        if (!r.succeeded && this.owned.get(key) === mine) {
          return this.lose(new SessionLostError(`session ${this.id}: ${key} expired or was taken over`, key));
        }
      }
      this.lastRefresh = Date.now();
    } catch (err) {
      // Unreachable for now: try again at the next tick, unless the keys may have expired meanwhile.
      const retriable = err instanceof KvError && !(err instanceof ConditionFailedError);
      if (!retriable || Date.now() - this.lastRefresh >= this.ttlMs) {
        const key = [...this.owned.keys()][0] ?? '';
        this.lose(
          new SessionLostError(
            `session ${this.id}: no refresh for ${this.ttlMs} ms (${(err as Error).message})`,
            key,
          ),
        );
      }
    } finally {
      this.refreshing = false;
    }
  }

  private lose(error: SessionLostError): void {
    if (this.controller.signal.aborted) return;
    clearInterval(this.timer);
    this.controller.abort(error);
  }

  private assertOpen(): void {
    if (this.controller.signal.aborted) {
      throw this.closed
        ? new Error(`session ${this.id} is closed`)
        : (this.controller.signal.reason as Error);
    }
  }

  /** Stops the keep-alive and deletes the session's keys (their TTL removes them if this cannot). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (!this.controller.signal.aborted) this.controller.abort(new Error(`session ${this.id} is closed`));
    await Promise.allSettled([...this.owned.keys()].map((k) => this.release(k)));
  }
}
