import { verifyRawRecord } from '../codec.js';
import { LogClosedError, LogCompactedError, type ReadOptions } from '../event-log.js';
import type { LogRecord, RawRecord } from '../events.js';
import type { PgLogCore, Row } from './pg-log-core.js';

/** Records from `fromRevision` up to what this node applied, decoded (checksums verified). */
export async function* readRecords(
  core: PgLogCore,
  fromRevision: number,
  options: ReadOptions,
): AsyncIterable<LogRecord> {
  for await (const raw of rows(core, fromRevision, options)) yield core.decode(raw.revision, raw.payload);
}

/** Records as stored (checksums verified), for a backup or a copy to another log. */
export async function* readRawRecords(
  core: PgLogCore,
  fromRevision: number,
  options: ReadOptions,
): AsyncIterable<RawRecord> {
  for await (const raw of rows(core, fromRevision, options)) {
    try {
      verifyRawRecord(raw.revision, raw.payload);
    } catch (err) {
      throw core.damaged(err);
    }
    yield raw;
  }
}

/** One record by revision, or undefined past what this node applied. */
export async function readOneRecord(core: PgLogCore, revision: number): Promise<LogRecord | undefined> {
  if (core.closed) throw new LogClosedError();
  if (!Number.isSafeInteger(revision) || revision < 1 || revision > core.last) return undefined;
  const result = await core.query<{ record: Buffer }>(
    `SELECT record FROM ${core.names.table} WHERE revision = $1`,
    [revision],
  );
  const row = result.rows[0];
  return row ? core.decode(revision, row.record) : undefined;
}

async function* rows(core: PgLogCore, fromRevision: number, options: ReadOptions): AsyncIterable<RawRecord> {
  if (core.closed) throw new LogClosedError();
  const pageSize = options.pageSize ?? 1000;
  let next = Math.max(fromRevision, 1);
  for (;;) {
    const last = core.last;
    const upTo = Math.min(options.toRevision ?? last, last);
    if (next > upTo) return;
    if (next < core.compactedBefore) throw new LogCompactedError(next, core.compactedBefore);
    const result = await core.query<Row>(
      `SELECT revision, record FROM ${core.names.table} WHERE revision >= $1 AND revision <= $2 ORDER BY revision LIMIT $3`,
      [next, upTo, pageSize],
    );
    // Revisions are gap-free above the compaction point: a missing first row was compacted meanwhile.
    if (result.rows.length === 0 || Number(result.rows[0]!.revision) !== next) {
      await core.fetchHead().catch(() => {});
      throw new LogCompactedError(next, Math.max(core.compactedBefore, next + 1));
    }
    for (const row of result.rows) yield { revision: Number(row.revision), payload: row.record };
    next = Number(result.rows.at(-1)!.revision) + 1;
  }
}
