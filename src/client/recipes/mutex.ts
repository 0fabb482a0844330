import type { KvClient } from '../client.js';
import type { KeyValue } from '../types.js';
import type { Session } from './session.js';

/**
 * Waits until `myKey` (of create revision `myRevision`) is the oldest key under `prefix`: the queue of
 * etcd's concurrency recipes. Each waiter watches only the key just before its own (no thundering herd),
 * from the revision of the list it read, so a deletion between the list and the watch is not missed.
 */
export async function waitForTurn(
  client: KvClient,
  session: Session,
  prefix: string,
  myKey: string,
  myRevision: number,
  signal?: AbortSignal,
): Promise<void> {
  const abort = anySignal([session.signal, signal]);
  for (;;) {
    if (abort.aborted) throw abortReason(abort);
    const page = await queue(client, prefix);
    const mine = page.kvs.find((k) => k.key === myKey && k.createRevision === myRevision);
    if (!mine) throw abortReason(session.signal, `${myKey} vanished while waiting (its session expired?)`);
    const before = page.kvs.filter((k) => k.createRevision < myRevision);
    if (before.length === 0) return;
    const predecessor = before.reduce((a, b) => (b.createRevision > a.createRevision ? b : a));
    // Ends at the predecessor's delete or EXPIRE event, or when its expiry time passes: reads treat an
    // expired key as gone at once, while the EXPIRE event follows when the server's sweeper runs.
    const stop = new AbortController();
    const expiresIn = predecessor.expiresAt === null ? undefined : predecessor.expiresAt - Date.now() + 5;
    const timer =
      expiresIn === undefined ? undefined : setTimeout(() => stop.abort(), Math.max(0, expiresIn));
    try {
      const watch = client.watch(
        { key: predecessor.key },
        { startRevision: page.revision + 1, signal: AbortSignal.any([abort, stop.signal]), noPut: true },
      );
      for await (const event of watch) {
        if (event.type !== 'put') break;
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The keys under `prefix` (metadata only) and the revision they were read at. */
export async function queue(
  client: KvClient,
  prefix: string,
): Promise<{ kvs: KeyValue[]; revision: number }> {
  const kvs: KeyValue[] = [];
  let revision = 0;
  for await (const page of client.list({ prefix }, { keysOnly: true })) {
    kvs.push(...page.kvs);
    revision = Math.max(revision, page.revision);
  }
  return { kvs, revision };
}

function anySignal(signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

function abortReason(signal: AbortSignal, fallback = 'cancelled'): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(fallback);
}

/**
 * A distributed mutex on CAS + TTL + watch: `lock()` creates the session's key under `prefix` and waits
 * until it is the oldest one there; `unlock()` deletes it. When the holder dies its key expires after the
 * session TTL and the next waiter takes over. `fencingToken` (the key's create revision) grows with every
 * acquisition: pass it to the resources you guard so that a holder that lost its session (a long pause)
 * can be refused.
 */
export class Mutex {
  readonly key: string;
  private revision = 0;

  constructor(
    private readonly session: Session,
    readonly prefix: string,
  ) {
    this.key = `${prefix.endsWith('/') ? prefix : `${prefix}/`}${session.id}`;
  }

  /** The create revision of the held lock key (0 when not held). */
  get fencingToken(): number {
    return this.revision;
  }

  /** Waits until the lock is held (rejects when `signal` aborts or the session is lost). */
  async lock(signal?: AbortSignal): Promise<void> {
    if (this.revision !== 0) throw new Error(`${this.key}: already locked by this session`);
    const meta = await this.session.create(this.key, this.session.id);
    try {
      await waitForTurn(
        this.session.client,
        this.session,
        this.prefixOfKeys(),
        this.key,
        meta.createRevision,
        signal,
      );
    } catch (err) {
      await this.session.release(this.key).catch(() => undefined);
      throw err;
    }
    this.revision = meta.createRevision;
  }

  /** Takes the lock only if nobody holds it or waits for it; true when taken. */
  async tryLock(): Promise<boolean> {
    if (this.revision !== 0) throw new Error(`${this.key}: already locked by this session`);
    const meta = await this.session.create(this.key, this.session.id);
    const { kvs } = await queue(this.session.client, this.prefixOfKeys());
    if (kvs.some((k) => k.createRevision < meta.createRevision)) {
      await this.session.release(this.key);
      return false;
    }
    this.revision = meta.createRevision;
    return true;
  }

  async unlock(): Promise<void> {
    this.revision = 0;
    await this.session.release(this.key);
  }

  private prefixOfKeys(): string {
    return this.key.slice(0, this.key.length - this.session.id.length);
  }
}
