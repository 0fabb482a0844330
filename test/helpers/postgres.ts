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
