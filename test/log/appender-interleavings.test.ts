/**
 * The JetStream appender's decisions under interleavings a real nats-server produces only by chance (a
 * leader change, answers crossing): here a scripted stream applies JetStream's publish rules exactly
 * (Nats-Msg-Id dedupe first, then Expected-Last-Sequence and Expected-Last-Msg-Id) and the test decides
 * when each publish reaches it and when the node's tail catches up. The cluster tests run the same code
 * against real servers (test/cluster/); this file pins the interleavings they found.
 */
import type { PubAck } from 'nats';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/log/codec.js';
import type { LogEvent } from '../../src/log/events.js';
import { Appender, type AppendTarget, type PublishRequest } from '../../src/log/jetstream/appender.js';

interface Stored {
  readonly msgId: string;
  readonly payload: Uint8Array;
}

/** A stream with JetStream's publish rules, and a node following it only when told to. */
class ScriptedStream implements AppendTarget {
  readonly records: Stored[] = [];
  private readonly inbox: {
    request: PublishRequest;
    resolve: (a: PubAck) => void;
    reject: (e: Error) => void;
  }[] = [];
  private appliedRevision = 0;
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  onApplied: () => void = () => {};

  publish(request: PublishRequest): Promise<PubAck> {
    return new Promise((resolve, reject) => this.inbox.push({ request, resolve, reject }));
  }
  applied(): number {
    return this.appliedRevision;
  }
  headQueries = 0;
  async streamHead(): Promise<number> {
    this.headQueries++;
    return this.records.length;
  }
  appliedThrough(revision: number): Promise<void> {
    if (this.appliedRevision >= revision) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ revision, resolve }));
  }
  acknowledged(): void {}
  msgIdAt(revision: number): string | undefined {
    return revision <= this.appliedRevision ? this.records[revision - 1]?.msgId : undefined;
  }

  /** Publishes waiting to reach the stream. */
  get waiting(): number {
    return this.inbox.length;
  }

  /** The next waiting publish reaches the stream and is answered. */
  deliverNext(): void {
    const { request, resolve, reject } = this.inbox.shift()!;
    const stored = this.records.findIndex((r) => r.msgId === request.msgId);
    if (stored >= 0) {
      resolve({ stream: 'S', seq: stored + 1, duplicate: true } as PubAck);
      return;
    }
    const last = this.records.at(-1);
    if (
      request.lastSequence !== this.records.length ||
      (request.lastMsgId !== null && last?.msgId !== request.lastMsgId)
    ) {
      reject(Object.assign(new Error('wrong last sequence'), { api_error: { err_code: 10071 } }));
      return;
    }
    this.records.push({ msgId: request.msgId, payload: request.payload });
    resolve({ stream: 'S', seq: this.records.length, duplicate: false } as PubAck);
  }

  /** Another node's record lands. */
  foreign(msgId: string): void {
    this.records.push({ msgId, payload: new Uint8Array() });
  }

  /** This node's tail applies everything the stream holds. */
  tail(): void {
    this.appliedRevision = this.records.length;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.revision <= this.appliedRevision) this.waiters.splice(i, 1)[0]!.resolve();
    }
    this.onApplied();
  }

  /** How many records carry a put of `key` (foreign records are empty). */
  putsOf(key: string): number {
    let n = 0;
    this.records.forEach((r, i) => {
      if (r.payload.length === 0) return;
      if (decodeRecord(i + 1, r.payload).events.some((e) => e.type === 'put' && e.key === key)) n++;
    });
    return n;
  }
}

function put(key: string): LogEvent[] {
  return [
    {
      type: 'put',
      key,
      value: Buffer.from('v'),
      expiresAt: 0,
      createRevision: 0,
      version: 1,
      prevRevision: 0,
    },
  ];
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Lets promise continuations run until `condition` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (condition()) return;
    await turn();
  }
  throw new Error(`never: ${what}`);
}

/** Delivers every publish and lets the tail follow until `done` settles (the appender's retries run on timers). */
async function drive<T>(stream: ScriptedStream, done: Promise<T>): Promise<T> {
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  for (let i = 0; i < 400 && !finished; i++) {
    while (stream.waiting > 0) stream.deliverNext();
    stream.tail();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return done;
}

function appender(stream: ScriptedStream): Appender {
  const a = new Appender(stream, { window: 16, timeoutMs: 60_000, nodeId: 'n' });
  stream.onApplied = () => a.applied();
  return a;
}

describe('the JetStream appender', () => {
  it('writes an append once when the flight before it lost the race but it was built on the applied state', async () => {
    const stream = new ScriptedStream();
    const a = appender(stream);
    const builds = { f: 0, g: 0 };
    const f = a.append(() => {
      builds.f++;
      return put('f');
    });
    await until(() => stream.waiting === 1, 'f sent');
    // Two records from other nodes take revisions 1 and 2, and this node applies them before f is answered.
    stream.foreign('x');
    stream.foreign('y');
    stream.tail();
    // g is built on the applied state (revision 2), not chained to f: it can land whatever happens to f.
    const g = a.append(() => {
      builds.g++;
      return put('g');
    });
    await until(() => stream.waiting === 2, 'g sent');
    stream.deliverNext(); // f: refused, revision 1 is taken
    // The node catches up and sorts f (lost) and g (its revision still empty) before g's send arrives.
    await until(() => stream.headQueries === 1, 'caught up');
    for (let i = 0; i < 10; i++) await turn();
    stream.deliverNext(); // g's first send lands at revision 3
    const [fr, gr] = await drive(stream, Promise.all([f, g]));
    expect(stream.putsOf('g')).toBe(1);
    expect(stream.putsOf('f')).toBe(1);
    expect(builds.g).toBe(1);
    expect(gr.revision).toBe(3);
    expect(fr.revision).toBeGreaterThan(3);
  });
});
