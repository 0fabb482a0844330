import type { KvClient } from '../client.js';
import type { KeyValue, Value } from '../types.js';
import { waitForTurn } from './mutex.js';
import type { Session } from './session.js';

/** The leader of an election: its key, value and the revision it was elected with. */
export interface Leader {
  readonly key: string;
  readonly value: Buffer;
  /** The create revision of the leader's key: grows with every new leader (a fencing token). */
  readonly revision: number;
}

function leaderOf(kvs: readonly KeyValue[]): KeyValue | undefined {
  let best: KeyValue | undefined;
  for (const k of kvs) if (!best || k.createRevision < best.createRevision) best = k;
  return best;
}

/**
 * Leader election on CAS + TTL + watch: candidates queue under `prefix` by create revision and the
 * oldest leads; a leader that dies loses its key when its session TTL runs out, and the next takes over.
 */
export class Election {
  readonly key: string;
  private readonly prefix: string;
  private revision = 0;

  constructor(
    private readonly session: Session,
    prefix: string,
  ) {
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.key = `${this.prefix}${session.id}`;
  }

  /** Waits until this candidate leads, announcing `value` (rejects when `signal` aborts or the session is lost). */
  async campaign(value: Value, signal?: AbortSignal): Promise<void> {
    if (this.revision !== 0) throw new Error(`${this.key}: already campaigning`);
    const meta = await this.session.create(this.key, value);
    try {
      await waitForTurn(
        this.session.client,
        this.session,
        this.prefix,
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

  /** Changes the leader's announced value (only while it leads). */
  async proclaim(value: Value): Promise<void> {
    if (this.revision === 0) throw new Error(`${this.key}: not the leader`);
    await this.session.put(this.key, value);
  }

  /** Steps down (the next candidate takes over at once). */
  async resign(): Promise<void> {
    this.revision = 0;
    await this.session.release(this.key);
  }

  /** The current leader, or null when nobody campaigns. */
  async leader(): Promise<Leader | null> {
    return toLeader(leaderOf(await this.session.client.listAll({ prefix: this.prefix })));
  }

  /** The leader now, then each change of leader (or of its value); null while there is none. */
  observe(signal?: AbortSignal): AsyncIterable<Leader | null> {
    return observeLeader(this.session.client, this.prefix, signal);
  }
}

function toLeader(kv: KeyValue | undefined): Leader | null {
  return kv ? { key: kv.key, value: kv.value, revision: kv.createRevision } : null;
}

/** The leader under `prefix` and each change of it, from one list and one watch (resumed on reconnects). */
export async function* observeLeader(
  client: KvClient,
  prefix: string,
  signal?: AbortSignal,
): AsyncGenerator<Leader | null> {
  const candidates = new Map<string, KeyValue>();
  let revision = 0;
  for await (const page of client.list({ prefix })) {
    for (const kv of page.kvs) candidates.set(kv.key, kv);
    revision = Math.max(revision, page.revision);
  }
  let last = toLeader(leaderOf([...candidates.values()]));
  yield last;
  const watch = client.watch({ prefix }, { startRevision: revision + 1, ...(signal ? { signal } : {}) });
  for await (const event of watch) {
    if (event.type === 'put') candidates.set(event.key, event.kv);
    else candidates.delete(event.key);
    const now = toLeader(leaderOf([...candidates.values()]));
    if (!sameLeader(now, last)) {
      last = now;
      yield now;
    }
  }
}

function sameLeader(a: Leader | null, b: Leader | null): boolean {
  if (a === null || b === null) return a === b;
  return a.key === b.key && a.revision === b.revision && a.value.equals(b.value);
}
