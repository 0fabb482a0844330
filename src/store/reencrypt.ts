import { access } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { resealRecord } from '../log/codec.js';
import { activeKeyRing, EncryptionKeyError } from '../log/encryption.js';
import { SqliteConnection } from '../log/sqlite/sqlite-connection.js';
import { checkSchema } from '../log/sqlite/sqlite-schema.js';
import { readCheckpoint, writeCheckpoint } from '../projections/checkpoint-file.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { KeyState } from '../projections/key-state.js';
import type { LeaseWire } from '../projections/lease-table.js';
import { Checkpointer } from './checkpointer.js';
import { DataDir } from './data-dir.js';
import { DataDirStateError } from './errors.js';

/** Rows read and rewritten per transaction: each page is durable on its own, so a rerun resumes. */
const PAGE = 2000;

/** What {@link reencryptDataDir} did. */
export interface ReencryptResult {
  /** Log records looked at, and those rewritten (sealed under another key, or plaintext). */
  readonly records: number;
  readonly rewritten: number;
  /** Checkpoint files rewritten under the current key. */
  readonly checkpoints: number;
  /** The key every record and checkpoint is now sealed with: the other keys can be removed. */
  readonly currentKey: string;
}

/** Progress: records done out of the total. */
export type ReencryptProgress = (done: number, total: number) => void;

/**
 * Rewrites a stopped node's SQLite log and checkpoints under the current key of the process's key ring
 * (kvstore reencrypt): records sealed under an older key, or written before encryption was on, are opened,
 * checked to decode and sealed again; the log is then vacuumed so no page keeps the old bytes. Each page of
 * records commits on its own and every record is valid before and after its rewrite, so an interrupted run
 * loses nothing and a second run finishes the job. Takes the data directory's lock: the server must be
 * stopped.
 */
export async function reencryptDataDir(
  dataDir: string,
  onProgress?: ReencryptProgress,
  logger: Logger = pino({ level: 'silent' }),
): Promise<ReencryptResult> {
  const ring = activeKeyRing();
  if (ring === null) {
    throw new EncryptionKeyError(
      'reencrypt needs the key ring: security.encryptionKeyFile (or --encryption-key-file) or KVSTORE_ENCRYPTION_KEY, ' +
        'holding the new current key and every older key still in use',
      '',
    );
  }
  // Checked before DataDir.open, which would create a mistyped directory.
  await access(join(dataDir, 'log.sqlite')).catch(() => {
    throw new DataDirStateError(
      dataDir,
      'holds no log.sqlite; give the data directory of a stopped node (a PostgreSQL or JetStream log ' +
        'cannot be re-encrypted in place: keep the old keys until compaction has removed the records sealed with them)',
    );
  });
  const dir = await DataDir.open(dataDir);
  try {
    const { records, rewritten } = await reencryptLog(dir.logPath, onProgress, logger);
    const checkpoints = await reencryptCheckpoints(dir.checkpointDir, logger);
    return { records, rewritten, checkpoints, currentKey: ring.currentId };
  } finally {
    await dir.release();
  }
}

async function reencryptLog(
  path: string,
  onProgress: ReencryptProgress | undefined,
  logger: Logger,
): Promise<{ records: number; rewritten: number }> {
  const db = await SqliteConnection.open(path, 'readwrite');
  try {
    await checkSchema(db, path);
    const total = (await db.get<{ n: number }>('SELECT count(*) AS n FROM log'))?.n ?? 0;
    // Newest first: a run cut short leaves the oldest records under the old key, where start-up looks
    // (oldest-record-check.ts), so removing that key too early is still refused.
    let before = Number.MAX_SAFE_INTEGER;
    let records = 0;
    let rewritten = 0;
    for (;;) {
      await db.run('BEGIN IMMEDIATE');
      try {
        const rows = await db.all<{ revision: number; record: Buffer }>(
          'SELECT revision, record FROM log WHERE revision < ? ORDER BY revision DESC LIMIT ?',
          [before, PAGE],
        );
        for (const row of rows) {
          const sealed = resealRecord(row.revision, row.record);
          if (sealed === row.record) continue;
          await db.run('UPDATE log SET record = ? WHERE revision = ?', [Buffer.from(sealed), row.revision]);
          rewritten++;
        }
        await db.run('COMMIT');
        if (rows.length === 0) break;
        records += rows.length;
        before = rows.at(-1)!.revision;
        onProgress?.(records, total);
      } catch (err) {
        await db.run('ROLLBACK').catch(() => {});
        throw err;
      }
    }
    logger.info({ path, records, rewritten }, 'log re-encrypted; vacuuming so no page keeps the old bytes');
    // Freed pages (and the WAL) would still hold the old ciphertext, or the plaintext of records written
    // before encryption was on: VACUUM rewrites the file without them.
    await db.exec('VACUUM');
    await db.get('PRAGMA wal_checkpoint(TRUNCATE)');
    return { records, rewritten };
  } finally {
    await db.close();
  }
}

async function reencryptCheckpoints(checkpointDir: string, logger: Logger): Promise<number> {
  const listing = new Checkpointer(
    checkpointDir,
    new KeyState(),
    { everyRevisions: 0, intervalMs: 0, keep: Number.MAX_SAFE_INTEGER },
    logger,
  );
  let done = 0;
  for (const revision of await listing.available()) {
    const path = listing.pathOf(revision);
    const entries: KeyEntry[] = [];
    let leases: LeaseWire[] = [];
    const header = await readCheckpoint(
      path,
      (batch) => {
        for (const entry of batch) entries.push(entry);
      },
      (held) => {
        leases = held;
      },
    );
    await writeCheckpoint(
      path,
      header.revision,
      { size: entries.length, entries: () => entries.values() },
      leases,
    );
    done++;
  }
  return done;
}
