import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the tests use: this machine's, trust auth (.ci/run starts it). */
export const PG_HOST = process.env.KVSTORE_TEST_PG_HOST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.KVSTORE_TEST_PG_PORT ?? 5432);
export const PG_USER = process.env.KVSTORE_TEST_PG_USER ?? 'postgres';

/** A database made for one test run, dropped after it. */
export interface TestDatabase {
  readonly name: string;
  /** `postgres://...` for a log in this database, in table `table` (default: the log's default). */
  url(table?: string): string;
  /** Runs one statement in this database (for checks a test makes behind the log's back). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** A connection of the test's own to this database (for a loop of checks); the caller ends it. */
  connect(): Promise<pg.Client>;
  drop(): Promise<void>;
}

async function admin<T>(task: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({ host: PG_HOST, port: PG_PORT, user: PG_USER, database });
  await client.connect();
  try {
    return await task(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh, empty database with a unique name. */
export async function testDatabase(): Promise<TestDatabase> {
  const name = `kvstore_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: (table) =>
      `postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${name}${table === undefined ? '' : `?table=${table}`}`,
    query: (text, values) => admin((c) => c.query(text, values), name),
    connect: async () => {
      const client = new pg.Client({ host: PG_HOST, port: PG_PORT, user: PG_USER, database: name });
      await client.connect();
      return client;
    },
    // WITH (FORCE): connections a killed node left behind must not keep the database alive.
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/** A loop terminating kvstore's database sessions (see {@link startSessionKiller}). */
export interface SessionKiller {
  /** Sessions terminated so far. */
  readonly killed: number;
  /** Ends the loop once its kill in flight has landed (none can land after), and its connection; once. */
  stop(): Promise<void>;
}

/**
 * Terminates, in a loop on one connection of its own, every kvstore session of `db` that sits inside a
 * transaction (a writer's group commit, a compaction), pausing `pauseMs` between rounds.
 */
export async function startSessionKiller(db: TestDatabase, pauseMs = 0): Promise<SessionKiller> {
  const client = await db.connect();
  let killed = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const r = await client
        .query<{ n: number }>(
          "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'kvstore' " +
            "AND state = 'idle in transaction' AND datname = current_database()",
        )
        .catch(() => ({ rows: [{ n: 0 }] }));
      killed += r.rows[0]?.n ?? 0;
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  let stopped: Promise<void> | undefined;
  return {
    get killed() {
      return killed;
    },
    stop: () => {
      stopping = true;
      stopped ??= loop.then(() => client.end());
      return stopped;
    },
  };
}
