import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../src/log/codec.js';
import type { EventLog, RecordBuilder } from '../../src/log/event-log.js';
import { LogClosedError, LogCompactedError } from '../../src/log/event-log.js';
import type { LogEvent, LogRecord, RawRecord } from '../../src/log/events.js';

/** A log backend as the contract suite drives it. */
export interface BackendUnderTest {
  /** A fresh place for a log (a file path, a stream name). */
  location(): Promise<string>;
  /** Opens the log at `location`; opening the same location again reopens the same log. */
  open(location: string): Promise<EventLog>;
  /** The log survives close and reopen (not the in-memory one). */
  readonly durable: boolean;
  /** Several instances may append to one location at once (a cluster's shared log). */
  readonly shared: boolean;
}

export function put(key: string, value: string): LogEvent {
  return {
    type: 'put',
    key,
    value: Buffer.from(value),
    expiresAt: 0,
    createRevision: 0,
    version: 1,
    prevRevision: 0,
  };
}

export async function readAll(log: EventLog, from = 1, toRevision?: number): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of log.read(from, { pageSize: 7, toRevision })) out.push(record);
  return out;
}

async function readAllRaw(log: EventLog, from = 1): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const raw of log.readRaw(from))
    out.push({ revision: raw.revision, payload: Buffer.from(raw.payload) });
  return out;
}

const keysOf = (records: readonly LogRecord[]) => records.map((r) => r.events.map((e) => e.key).join(','));

/** Waits (bounded) until `condition` holds. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The behaviour every EventLog backend must have, run unchanged against each: the store and everything
 * above it rely on exactly this, and nothing else, of a log.
 */
export function logContract(name: string, backend: () => BackendUnderTest): void {
  describe(`EventLog contract: ${name}`, () => {
    const open = async () => {
      const b = backend();
      const location = await b.location();
      return { b, location, log: await b.open(location) };
    };

    it('gives concurrent appends revisions 1, 2, 3, ... with no gap, and tells listeners in that order', async () => {
      const { log } = await open();
      try {
        const committed: number[] = [];
        log.onCommit((records) => committed.push(...records.map((r) => r.revision)));
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => log.append([put(`k${i}`, `v${i}`)])),
        );
        const revisions = results.map((r) => r.revision).sort((a, b) => a - b);
        expect(revisions).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(committed).toEqual(revisions);
        expect(log.lastRevision()).toBe(200);
        const stored = await readAll(log);
        expect(stored.map((r) => r.revision)).toEqual(revisions);
        for (const r of results) expect(stored[r.revision - 1]!.events).toEqual(r.events);
      } finally {
        await log.close();
      }
    });

    it('runs a builder at the revision it assigns, with the commit time the record carries', async () => {
      const { log } = await open();
      try {
        await log.append([put('a', '1')]);
        const seen: { revision: number; timeMs: number }[] = [];
        const builder: RecordBuilder = (revision, timeMs) => {
          seen.push({ revision, timeMs });
          return [put(`at-${revision}`, String(timeMs))];
        };
        const before = Date.now();
        const records = await Promise.all([log.append(builder), log.append(builder), log.append(builder)]);
        expect(records.map((r) => r.revision)).toEqual([2, 3, 4]);
        for (const record of records) {
          expect(record.events[0]!.key).toBe(`at-${record.revision}`);
          expect(record.timeMs).toBeGreaterThanOrEqual(before - 5);
          expect(record.timeMs).toBeLessThanOrEqual(Date.now() + 5);
          // The last attempt's commit time is the one the record carries.
          expect(seen.filter((s) => s.revision === record.revision).at(-1)!.timeMs).toBe(record.timeMs);
        }
        const stored = await readAll(log, 2);
        expect(stored.map((r) => r.timeMs)).toEqual(records.map((r) => r.timeMs));
      } finally {
        await log.close();
      }
    });

    it('writes nothing when a builder throws, rejects with its error, and leaves no gap', async () => {
      const { log } = await open();
      try {
        await log.append([put('a', '1')]);
        const refusal = new Error('condition failed');
        const results = await Promise.allSettled([
          log.append([put('b', '2')]),
          log.append(() => {
            throw refusal;
          }),
          log.append([put('c', '3')]),
        ]);
        expect(results[1]).toEqual({ status: 'rejected', reason: refusal });
        const stored = await readAll(log);
        expect(stored.map((r) => r.revision)).toEqual([1, 2, 3]);
        expect(keysOf(stored)).toEqual(['a', 'b', 'c']);
      } finally {
        await log.close();
      }
    });

    it("answers a builder's refusal only once the records appended before it are committed", async () => {
      const { log } = await open();
      try {
        const committed: number[] = [];
        log.onCommit((records) => committed.push(...records.map((r) => r.revision)));
        const refusal = new Error('condition failed');
        // Issued in one turn: the builder runs on top of b's record (a store's write view shows it to the
        // builder), so what it refuses on must be written, and readable, before the caller hears of it.
        const [b, refused] = await Promise.all([
          log.append([put('b', '2')]),
          log
            .append(() => {
              throw refusal;
            })
            .then(
              () => null,
              (err: unknown) => ({ err, committedThen: [...committed] }),
            ),
        ]);
        expect(refused?.err).toBe(refusal);
        expect(refused?.committedThen).toContain(b.revision);
      } finally {
        await log.close();
      }
    });

    it('decides preconditions at the serialisation point: concurrent read-modify-writes are exact', async () => {
      const b = backend();
      const location = await b.location();
      const writers = [await b.open(location)];
      if (b.shared) writers.push(await b.open(location));
      try {
        const increments = writers.map((log) => {
          // What this writer knows: the committed counter, plus what its builders staged on top of it. A
          // builder may run again (a shared log retries it at a new revision): what it staged before at
          // that revision or later is thrown away first.
          let committed = 0;
          const staged = new Map<number, number>();
          log.onCommit((records) => {
            for (const r of records) {
              committed = Number(Buffer.from((r.events[0] as { value: Uint8Array }).value));
              for (const rev of staged.keys()) if (rev <= r.revision) staged.delete(rev);
            }
          });
          const increment: RecordBuilder = (revision) => {
            for (const rev of staged.keys()) if (rev >= revision) staged.delete(rev);
            const next = (staged.get(revision - 1) ?? committed) + 1;
            staged.set(revision, next);
            return [put('counter', String(next))];
          };
          return Array.from({ length: 40 }, () => log.append(increment));
        });
        const records = await Promise.all(increments.flat());
        const total = 40 * writers.length;
        // Every record holds its own revision as the count: no increment was lost or applied twice.
        for (const r of records)
          expect(Buffer.from((r.events[0] as { value: Uint8Array }).value).toString()).toBe(
            String(r.revision),
          );
        await until(
          () => writers[0]!.lastRevision() === total,
          `the first writer to apply all ${total} records`,
        );
        const stored = await readAll(writers[0]!);
        expect(
          stored.map((r) => Buffer.from((r.events[0] as { value: Uint8Array }).value).toString()),
        ).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
      } finally {
        for (const log of writers) await log.close();
      }
    });

    it('reads ranges, raw payloads and single records, checked', async () => {
      const { log } = await open();
      try {
        for (let i = 1; i <= 30; i++) await log.append([put(`k${i}`, `v${i}`)]);
        expect((await readAll(log, 11, 20)).map((r) => r.revision)).toEqual(
          Array.from({ length: 10 }, (_, i) => i + 11),
        );
        expect(await readAll(log, 31)).toEqual([]);
        const raw = await readAllRaw(log, 25);
        expect(raw.map((r) => r.revision)).toEqual([25, 26, 27, 28, 29, 30]);
        expect(decodeRecord(25, raw[0]!.payload).events[0]!.key).toBe('k25');
        expect((await log.readOne(7))?.events[0]?.key).toBe('k7');
        expect(await log.readOne(31)).toBeUndefined();
        expect(await log.readOne(0)).toBeUndefined();
      } finally {
        await log.close();
      }
    });

    it('compacts: records below the point are gone, reads of them fail, appends continue', async () => {
      const { log } = await open();
      try {
        for (let i = 1; i <= 10; i++) await log.append([put(`k${i}`, 'v')]);
        await log.compact(6);
        expect(log.compactRevision()).toBe(6);
        await expect(readAll(log, 3)).rejects.toBeInstanceOf(LogCompactedError);
        expect(await log.readOne(5)).toBeUndefined();
        expect((await readAll(log, 6)).map((r) => r.revision)).toEqual([6, 7, 8, 9, 10]);
        await log.compact(4); // below the point: nothing to do
        expect(log.compactRevision()).toBe(6);
        await expect(log.compact(12)).rejects.toBeInstanceOf(RangeError);
        expect((await log.append([put('next', 'v')])).revision).toBe(11);
      } finally {
        await log.close();
      }
    });

    it('restores: continues at a revision, then takes verbatim records another log wrote', async () => {
      const source = await open();
      const target = await open();
      try {
        for (let i = 1; i <= 12; i++) await source.log.append([put(`k${i}`, `v${i}`)]);
        const copied = await readAllRaw(source.log, 8);
        await target.log.startAt(8);
        expect(target.log.lastRevision()).toBe(7);
        expect(target.log.compactRevision()).toBe(8);
        await expect(target.log.appendVerbatim([copied[1]!])).rejects.toThrow(/expected revision 8/);
        await target.log.appendVerbatim(copied);
        expect(target.log.lastRevision()).toBe(12);
        const back = await readAllRaw(target.log, 8);
        expect(back.map((r) => Buffer.from(r.payload).toString('hex'))).toEqual(
          copied.map((r) => Buffer.from(r.payload).toString('hex')),
        );
        await expect(target.log.startAt(5)).rejects.toBeInstanceOf(RangeError);
        expect((await target.log.append([put('after', 'v')])).revision).toBe(13);
      } finally {
        await source.log.close();
        await target.log.close();
      }
    });

    it('lets appends in flight finish on close and refuses later ones', async () => {
      const { log } = await open();
      const inFlight = Array.from({ length: 20 }, (_, i) => log.append([put(`k${i}`, 'v')]));
      await log.close();
      const settled = await Promise.allSettled(inFlight);
      const written = settled.filter((s) => s.status === 'fulfilled').length;
      // Whatever was acknowledged is in the log; nothing is left hanging.
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(Error);
      expect(written).toBeGreaterThanOrEqual(0);
      await expect(log.append([put('late', 'v')])).rejects.toBeInstanceOf(LogClosedError);
    });

    it('keeps records, revisions and the compaction point across close and reopen', async () => {
      const b = backend();
      if (!b.durable) return;
      const location = await b.location();
      const log = await b.open(location);
      for (let i = 1; i <= 9; i++) await log.append([put(`k${i}`, `v${i}`)]);
      await log.compact(3);
      await log.close();
      const reopened = await b.open(location);
      try {
        expect(reopened.lastRevision()).toBe(9);
        expect(reopened.compactRevision()).toBe(3);
        expect(keysOf(await readAll(reopened, 3))).toEqual(['k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
        expect((await reopened.append([put('k10', 'v')])).revision).toBe(10);
      } finally {
        await reopened.close();
      }
    });

    it('shared by two writers: one gap-free order, the same records in the same order on both', async () => {
      const b = backend();
      if (!b.shared) return;
      const location = await b.location();
      const one = await b.open(location);
      const two = await b.open(location);
      try {
        const seen: [number[], number[]] = [[], []];
        one.onCommit((records) => seen[0].push(...records.map((r) => r.revision)));
        two.onCommit((records) => seen[1].push(...records.map((r) => r.revision)));
        const writes = Array.from({ length: 120 }, (_, i) =>
          (i % 2 === 0 ? one : two).append([put(`k${i}`, `v${i}`)]),
        );
        const records = await Promise.all(writes);
        expect(records.map((r) => r.revision).sort((x, y) => x - y)).toEqual(
          Array.from({ length: 120 }, (_, i) => i + 1),
        );
        await until(
          () => seen[0].length === 120 && seen[1].length === 120,
          'both writers to apply 120 records',
        );
        expect(seen[0]).toEqual(seen[1]);
        expect(keysOf(await readAll(one))).toEqual(keysOf(await readAll(two)));
      } finally {
        await one.close();
        await two.close();
      }
    });
  });
}
