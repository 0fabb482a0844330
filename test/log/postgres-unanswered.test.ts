import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLog } from '../../src/log/event-log.js';
import { LogUnavailableError } from '../../src/log/event-log.js';
import { parseLogUrl } from '../../src/log/log-url.js';
import { openLog } from '../../src/log/open-log.js';
import {
  PG_HOST,
  PG_PORT,
  PG_USER,
  type SessionKiller,
  startSessionKiller,
  type TestDatabase,
  testDatabase,
} from '../helpers/postgres.js';
import { type TcpProxy, tcpProxy } from '../helpers/tcp-proxy.js';
import { tempDir } from '../helpers/temp-dir.js';
import { put, readAll } from './contract.js';

// What a PostgreSQL log does when the database stops answering (a partition, a frozen host) or kills its
// sessions: every call settles (answered, or refused with UNAVAILABLE), and the log works again by itself.

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
});

afterAll(async () => {
  await db?.drop();
});

/** Far above the log's own deadline (timeout=500ms gives 5.5 s): only a call that never settles reaches it. */
const NEVER_MS = 30_000;

type Outcome<T> = { settled: true; value?: T; error?: unknown } | { settled: false };

/** How `promise` settled within `ms` (a call that hangs fails the test by name instead of timing it out). */
async function within<T>(promise: Promise<T>, ms = NEVER_MS): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): Outcome<T> => ({ settled: true, value }),
        (error: unknown): Outcome<T> => ({ settled: true, error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = NEVER_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function untilAsync(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = NEVER_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('PostgreSQL log when the database stops answering', () => {
  it('refuses a write and the reads with UNAVAILABLE instead of waiting for ever, and works again once it answers', async () => {
    const proxy: TcpProxy = await tcpProxy(PG_HOST, PG_PORT);
    const through = parseLogUrl(
      `postgres://${PG_USER}@127.0.0.1:${proxy.port}/${db.name}?table=frozen&timeout=500ms`,
    );
    const logs: EventLog[] = [];
    try {
      const log = await openLog(through, { dataDir: await tempDir() });
      logs.push(log);
      const direct = await openLog(parseLogUrl(db.url('frozen')), { dataDir: await tempDir() });
      logs.push(direct);
      expect((await log.append([put('a', '1')])).revision).toBe(1);

      proxy.freeze();
      const write = await within(log.append([put('b', '2')]));
      expect(write.settled, 'an append on a connection that stopped answering settles').toBe(true);
      expect((write as { error?: unknown }).error).toBeInstanceOf(LogUnavailableError);
      const index = await within(log.readIndex!());
      expect(index.settled, 'a read index settles').toBe(true);
      expect((index as { error?: unknown }).error).toBeInstanceOf(LogUnavailableError);
      const one = await within(log.readOne(1));
      expect(one.settled, 'a read settles').toBe(true);
      expect((one as { error?: unknown }).error).toBeInstanceOf(LogUnavailableError);
      expect(log.unavailable!()).toMatch(/PostgreSQL/);

      proxy.thaw();
      // Nothing of the refused write landed (its connection was dropped before it reached the database).
      expect((await log.append([put('c', '3')])).revision).toBe(2);
      const other = await direct.append([put('d', '4')]);
      await until(() => log.lastRevision() === other.revision, 'the tail to resume after the freeze');
      expect((await readAll(direct)).map((r) => r.revision)).toEqual([1, 2, 3]);
      expect(log.unavailable!()).toBeNull();
    } finally {
      proxy.thaw();
      for (const log of logs) await log.close();
      await proxy.close();
    }
  }, 120_000);

  it('refuses a write whose COMMIT went unanswered as "may or may not", and applies it at its revision if it landed', async () => {
    const proxy = await tcpProxy(PG_HOST, PG_PORT);
    const logs: EventLog[] = [];
    try {
      const log = await openLog(
        parseLogUrl(
          `postgres://${PG_USER}@127.0.0.1:${proxy.port}/${db.name}?table=lost_answer&timeout=500ms`,
        ),
        { dataDir: await tempDir() },
      );
      logs.push(log);
      const seen: number[] = [];
      log.onCommit((records) => seen.push(...records.map((r) => r.revision)));
      expect((await log.append([put('a', '1')])).revision).toBe(1);
      // The next COMMIT reaches PostgreSQL (and commits); its answer is held back.
      proxy.freezeAfter(Buffer.from('COMMIT\0'));
      const events = [put('b', '2')];
      const write = await within(log.append(events));
      expect(write.settled, 'an append whose COMMIT is unanswered settles').toBe(true);
      const error = (write as { error?: unknown }).error;
      expect(error).toBeInstanceOf(LogUnavailableError);
      expect((error as Error).message).toMatch(/may or may not have been written/);

      proxy.thaw();
      // It landed: the node applies it through its tail, at the revision it was built for, once.
      await until(() => log.lastRevision() === 2, 'the node to apply the write that landed');
      expect((await log.append([put('c', '3')])).revision).toBe(3);
      const direct = await openLog(parseLogUrl(db.url('lost_answer')), { dataDir: await tempDir() });
      logs.push(direct);
      const stored = await readAll(direct);
      expect(stored.map((r) => r.revision)).toEqual([1, 2, 3]);
      expect(stored[1]!.events).toEqual(events);
      expect(seen).toEqual([1, 2, 3]);
    } finally {
      proxy.thaw();
      for (const log of logs) await log.close();
      await proxy.close();
    }
  }, 120_000);

  it('behind a balancer that lost the database: a write is refused, and LISTEN and writes come back by themselves', async () => {
    const proxy = await tcpProxy(PG_HOST, PG_PORT);
    const listening = async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN dark_appended'",
        )
      ).rows[0]!.n;
    let log: EventLog | undefined;
    try {
      log = await openLog(
        parseLogUrl(`postgres://${PG_USER}@127.0.0.1:${proxy.port}/${db.name}?table=dark&timeout=500ms`),
        { dataDir: await tempDir() },
      );
      await log.append([put('a', '1')]);
      await untilAsync(async () => (await listening()) === 1, 'the node to LISTEN');

      // Every connection is reset; new ones (the LISTEN reconnect, a new writer) are accepted, never answered.
      proxy.blackhole(true);
      const write = await within(log.append([put('b', '2')]));
      expect(write.settled, 'an append whose connect is never answered settles').toBe(true);
      expect((write as { error?: unknown }).error).toBeInstanceOf(LogUnavailableError);
      await until(() => proxy.swallowed() >= 2, 'the LISTEN connection and the writer to try again');
      await untilAsync(async () => (await listening()) === 0, 'the old LISTEN session to end');

      proxy.blackhole(false);
      // The connects lost in the black hole are given up at their deadline and made again.
      await untilAsync(async () => (await listening()) === 1, 'the node to LISTEN again');
      expect((await log.append([put('c', '3')])).revision).toBe(2);
    } finally {
      proxy.blackhole(false);
      await log?.close();
      await proxy.close();
    }
  }, 120_000);

  it('closes while the database is not answering (the goodbye is not waited for past the deadline)', async () => {
    const proxy = await tcpProxy(PG_HOST, PG_PORT);
    try {
      const log = await openLog(
        parseLogUrl(`postgres://${PG_USER}@127.0.0.1:${proxy.port}/${db.name}?table=closing&timeout=500ms`),
        { dataDir: await tempDir() },
      );
      await log.append([put('a', '1')]);
      proxy.freeze();
      const closed = await within(log.close());
      expect(closed.settled, 'close() on a database that stopped answering settles').toBe(true);
      expect((closed as { error?: unknown }).error).toBeUndefined();
      // Its connections were cut, not left open: once the network passes again, none is left.
      proxy.thaw();
      await until(() => proxy.connections() === 0, 'the closed log to leave no connection open');
    } finally {
      proxy.thaw();
      await proxy.close();
    }
  }, 120_000);

  it('settles compactions whose transactions are killed (no uncaught connection error), then compacts', async () => {
    const log = await openLog(parseLogUrl(db.url('compacted')), { dataDir: await tempDir() });
    let killer: SessionKiller | undefined;
    try {
      for (let i = 0; i < 500; i++) await log.append([put(`k${i}`, 'v')]);
      // Kills every kvstore session of this database that sits inside a transaction: here, the compactions'.
      killer = await startSessionKiller(db);
      let refused = 0;
      let compacted = 1;
      // One transaction per compaction; the killer lands in some of them. Until a few were killed.
      for (let target = 2; target < 500 && killer.killed < 5; target++) {
        const outcome = await within(log.compact(target));
        expect(outcome.settled, `compact(${target}) settles`).toBe(true);
        const error = (outcome as { error?: unknown }).error;
        if (error === undefined) compacted = target;
        else {
          expect(error).toBeInstanceOf(LogUnavailableError);
          refused++;
        }
      }
      await killer.stop();
      expect(killer.killed, 'the killer landed in some compactions').toBeGreaterThan(0);
      // Once the kills stop, the log compacts and writes again, on a connection of its own choosing.
      await log.compact(Math.max(compacted, 499));
      const next = await log.append([put('after', 'x')]);
      expect(next.revision).toBe(501);
      const rows = await db.query<{ n: number; min: string }>(
        'SELECT count(*)::int AS n, min(revision)::text AS min FROM compacted',
      );
      expect(rows.rows[0]!.n).toBe(501 - log.compactRevision() + 1);
      expect(Number(rows.rows[0]!.min)).toBe(log.compactRevision());
      console.log(
        `compactions: ${killer.killed} sessions killed, ${refused} compactions refused UNAVAILABLE`,
      );
    } finally {
      await killer?.stop();
      await log.close();
    }
  }, 120_000);
});
