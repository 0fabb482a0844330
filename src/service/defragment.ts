import type { EventLog } from '../log/event-log.js';
import type { Access } from './access.js';

/** What a defragmentation did, in a sentence for the caller and the server's log. */
export interface DefragmentReport {
  /** Whether anything was rewritten (false: this backend has nothing of kvstore's to defragment). */
  readonly done: boolean;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** How long appends waited (0 when nothing ran). */
  readonly ms: number;
  readonly detail: string;
}

/**
 * Defragments the log's storage where kvstore owns the file (SQLite: VACUUM, appends wait meanwhile), and
 * says plainly that nothing was done where it does not (admin only, as etcd's Defragment needs root).
 */
export async function defragmentLog(log: EventLog, access: Access): Promise<DefragmentReport> {
  access.checkAdmin('Defragment');
  const where = log.describe();
  if (log.defragment === undefined) {
    const bytes = await log.storageBytes().catch(() => 0);
    return { done: false, bytesBefore: bytes, bytesAfter: bytes, ms: 0, detail: nothingToDo(where) };
  }
  const { bytesBefore, bytesAfter, ms } = await log.defragment();
  return {
    done: true,
    bytesBefore,
    bytesAfter,
    ms,
    detail:
      `defragmented ${where}: ${bytesBefore} -> ${bytesAfter} bytes (VACUUM); ` +
      `appends waited up to ${Math.round(ms)} ms`,
  };
}

/** Why a backend without {@link EventLog.defragment} has nothing for kvstore to do. */
function nothingToDo(where: string): string {
  const why = where.startsWith('memory:')
    ? 'the in-memory log has no file'
    : where.includes('(JetStream')
      ? "the JetStream stream's files are NATS's to manage (it reclaims compacted messages itself)"
      : "PostgreSQL reclaims the log table's space itself (kvstore VACUUMs it after each compaction, autovacuum does the rest)";
  return `nothing defragmented on ${where}: ${why}`;
}
