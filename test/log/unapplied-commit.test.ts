import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitObserver } from '../../src/log/commit-observer.js';
import { type EventLog, LogWriteError } from '../../src/log/event-log.js';
import { parseLogUrl } from '../../src/log/log-url.js';
import { MemoryEventLog } from '../../src/log/memory/memory-log.js';
import { openLog } from '../../src/log/open-log.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';
import { put } from './contract.js';

/**
 * A commit listener (the store's projections) that throws on a committed batch: the log must fail-stop, not
 * hang. The batch's appends are answered with an error that says the write was committed, every later append
 * is refused with the same error, the failure is logged once and reported to the observer (/readyz), and the
 * records are durable (a reopened log holds them).
 */

/** Opens the log under test with the test's logger and observer; the same call reopens it. */
type Opener = (logger: pino.Logger, observer: CommitObserver) => Promise<EventLog>;

/** What the log told the outside world: error-level log lines and observer failures. */
function witnesses(): { logger: pino.Logger; observer: CommitObserver; errors: object[]; failed: Error[] } {
  const errors: object[] = [];
  const failed: Error[] = [];
  const logger = pino(
    { level: 'error' },
    { write: (line: string) => errors.push(JSON.parse(line) as object) },
  );
  const observer: CommitObserver = { committed: () => {}, failed: (err) => failed.push(err) };
  return { logger, observer, errors, failed };
}

async function failStopScenario(open: Opener, durable: boolean): Promise<void> {
  const seen = witnesses();
  const log = await open(seen.logger, seen.observer);
  let closed = false;
  try {
    log.onCommit((records) => {
      if (records.some((r) => r.revision === 3)) throw new Error('projection bug at revision 3');
    });
    expect((await log.append([put('a', '1')])).revision).toBe(1);
    expect((await log.append([put('b', '2')])).revision).toBe(2);
    // Two appends in one turn: one group commit, revisions 3 and 4, both answered.
    const batch = await Promise.allSettled([log.append([put('c', '3')]), log.append([put('d', '4')])]);
    const failure = batch.map((b) => (b.status === 'rejected' ? (b.reason as Error) : null));
    expect(failure[0]).toBeInstanceOf(LogWriteError);
    expect(failure[1]).toBe(failure[0]);
    expect(failure[0]!.message).toMatch(
      /revisions? 3(\.\.4)? committed to the log, but this server could not apply it \(projection bug at revision 3\).*until kvstore restarts/,
    );
    // Later appends are refused with the same error, not written.
    await expect(log.append([put('e', '5')])).rejects.toBe(failure[0]);
    expect(seen.failed).toEqual([failure[0]]);
    // JetStream delivers each record on its own and may hand revision 4 to nobody once 3 failed.
    expect([3, 4]).toContain(log.lastRevision());
    if (durable) {
      expect(seen.errors).toHaveLength(1);
      expect(seen.errors[0]).toMatchObject({ level: 50, revision: log.lastRevision() });
    }
    closed = true;
    await log.close();
    if (!durable) return;
    // A restart replays the log: the batch is there, and the log takes writes again.
    const again = witnesses();
    const reopened = await open(again.logger, again.observer);
    try {
      expect(reopened.lastRevision()).toBe(4);
      const three = await reopened.readOne(3);
      expect(three?.events[0]).toMatchObject({ type: 'put', key: 'c' });
      expect((await reopened.append([put('e', '5')])).revision).toBe(5);
    } finally {
      await reopened.close();
    }
  } finally {
    if (!closed) await log.close();
  }
}

describe('a commit listener that throws fail-stops the log', () => {
  it('SQLite: answers the batch, refuses later appends, keeps the records', { timeout: 60_000 }, async () => {
    const path = join(await tempDir(), 'log.sqlite');
    await failStopScenario(
      (logger, observer) => openLog(parseLogUrl(`sqlite:${path}`), { dataDir: '.', logger, observer }),
      true,
    );
  });

  it('memory: answers the batch and refuses later appends', { timeout: 60_000 }, async () => {
    // Nothing to reopen and no logger or observer: only the answers are checked.
    const seen = witnesses();
    const log = new MemoryEventLog();
    log.onCommit((records) => {
      if (records.some((r) => r.revision === 3)) throw new Error('projection bug at revision 3');
    });
    await log.append([put('a', '1')]);
    await log.append([put('b', '2')]);
    const batch = await Promise.allSettled([log.append([put('c', '3')]), log.append([put('d', '4')])]);
    expect(batch.map((b) => b.status)).toEqual(['rejected', 'rejected']);
    const failure = (batch[0] as PromiseRejectedResult).reason as Error;
    expect(failure).toBeInstanceOf(LogWriteError);
    expect(failure.message).toMatch(/revisions 3\.\.4 committed to the log/);
    await expect(log.append([put('e', '5')])).rejects.toBe(failure);
    expect((await log.readOne(4))?.revision).toBe(4);
    expect(seen.failed).toEqual([]);
    await log.close();
  });

  describe('PostgreSQL', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await testDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('answers the batch, refuses later appends, keeps the records', { timeout: 60_000 }, async () => {
      const dataDir = await tempDir();
      await failStopScenario(
        (logger, observer) => openLog(parseLogUrl(db.url('unapplied')), { dataDir, logger, observer }),
        true,
      );
    });

    it('a node that cannot apply another node’s record refuses its own appends', {
      timeout: 60_000,
    }, async () => {
      const url = parseLogUrl(db.url('unapplied_other'));
      const writer = await openLog(url, { dataDir: await tempDir() });
      const seen = witnesses();
      const follower = await openLog(url, {
        dataDir: await tempDir(),
        logger: seen.logger,
        observer: seen.observer,
      });
      try {
        follower.onCommit((records) => {
          if (records.some((r) => r.revision === 1)) throw new Error('projection bug at revision 1');
        });
        expect((await writer.append([put('a', '1')])).revision).toBe(1);
        // Whether the tail or this append's catch-up meets revision 1 first, the append is refused, unwritten.
        const err = await follower.append([put('b', '2')]).then(
          () => null,
          (e: unknown) => e as Error,
        );
        expect(err).toBeInstanceOf(LogWriteError);
        expect(err!.message).toMatch(/revision 1 committed to the log, but this server could not apply it/);
        await expect(follower.append([put('c', '3')])).rejects.toBe(err);
        expect(seen.failed).toEqual([err]);
        expect(seen.errors).toHaveLength(1);
        expect((await writer.append([put('d', '4')])).revision).toBe(2);
      } finally {
        await follower.close();
        await writer.close();
      }
    });
  });

  describe('JetStream', () => {
    let nats: NatsServer;
    let storeDir: string;
    beforeAll(async () => {
      storeDir = await mkdtemp(join(tmpdir(), 'kvstore-nats-'));
      nats = await natsServer(storeDir);
      await nats.start();
    });
    afterAll(async () => {
      await nats?.stop();
      await rm(storeDir, { recursive: true, force: true });
    });

    it('answers the batch, refuses later appends, keeps the records', { timeout: 60_000 }, async () => {
      const dataDir = await tempDir();
      const url = parseLogUrl(`nats://127.0.0.1:${nats.port}/UNAPPLIED_${process.pid}`);
      await failStopScenario((logger, observer) => openLog(url, { dataDir, logger, observer }), true);
    });
  });
});
