import type { ClientBase } from 'pg';
import { crc32c } from '../crc32c.js';
import { LogFileError } from '../event-log.js';
import type { PostgresLogUrl } from '../log-url.js';

/** Schema version of the log's tables (row `schema_version` of the meta table). */
export const PG_SCHEMA_VERSION = 1;

/** The SQL names of one log: its records table, its meta table, its NOTIFY channel and its lock key. */
export interface PgNames {
  readonly table: string;
  readonly meta: string;
  readonly channel: string;
  /**
   * Key of the transaction-level advisory lock every writer of this table holds from the moment it reads the
   * head until its COMMIT: revisions are decided one transaction at a time (see docs/adr/0004).
   */
  readonly lockKey: number;
  /** Each following node's applied revision, refreshed every few seconds (for status: each node's lag). */
  readonly nodes: string;
}

export function pgNames(url: PostgresLogUrl): PgNames {
  // The table name is a checked lower-case identifier (log-url.ts): it is used in SQL text unquoted.
  const lockKey = crc32c(Buffer.from(`kvstore:${url.table}`)) | 0;
  return {
    table: url.table,
    meta: `${url.table}_meta`,
    channel: `${url.table}_appended`,
    lockKey,
    nodes: `${url.table}_nodes`,
  };
}

/** Where the log stands: the newest revision any node committed, and the oldest still stored. */
export interface PgHead {
  readonly last: number;
  readonly compactRevision: number;
}

/** The head as a SQL query: revisions below the compaction point were committed too (startAt, compaction). */
export function headQuery(names: PgNames): string {
  return (
    `SELECT (SELECT max(revision) FROM ${names.table}) AS last, ` +
    `(SELECT value FROM ${names.meta} WHERE name = 'compact_revision') AS compact`
  );
}

export function parseHead(row: { last: string | null; compact: string | null } | undefined): PgHead {
  const compactRevision = Number(row?.compact ?? 1);
  return { last: Math.max(Number(row?.last ?? 0), compactRevision - 1), compactRevision };
}

/**
 * Creates the tables if absent (under the log's lock, so two nodes starting at once do not race) and checks
 * that an existing pair is a kvstore log this build can read.
 */
export async function ensureSchema(client: ClientBase, names: PgNames, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${names.lockKey})`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${names.table} (revision bigint PRIMARY KEY, record bytea NOT NULL)`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${names.meta} (name text PRIMARY KEY, value bigint NOT NULL)`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${names.nodes} (node text PRIMARY KEY, applied bigint NOT NULL, ` +
        'seen_at timestamptz NOT NULL)',
    );
    await client.query(
      `INSERT INTO ${names.meta} (name, value) VALUES ('schema_version', ${PG_SCHEMA_VERSION}), ` +
        `('compact_revision', 1) ON CONFLICT (name) DO NOTHING`,
    );
    const columns = await client.query<{ column_name: string; data_type: string }>(
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ' +
        'AND table_schema = current_schema() ORDER BY ordinal_position',
      [names.table],
    );
    const shape = columns.rows.map((c) => `${c.column_name} ${c.data_type}`).join(', ');
    if (shape !== 'revision bigint, record bytea') {
      throw new LogFileError(where, `table ${names.table} is not a kvstore log (its columns: ${shape})`);
    }
    const version = await client.query<{ value: string }>(
      `SELECT value FROM ${names.meta} WHERE name = 'schema_version'`,
    );
    const schema = Number(version.rows[0]?.value ?? 0);
    if (schema > PG_SCHEMA_VERSION) {
      throw new LogFileError(
        where,
        `was written by a newer kvstore (schema ${schema}, this build reads ${PG_SCHEMA_VERSION})`,
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
