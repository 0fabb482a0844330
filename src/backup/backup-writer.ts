import { createHash } from 'node:crypto';
import { ENCRYPTED_FORMAT_VERSION, RECORD_FORMAT_VERSION } from '../log/codec.js';
import { crc32c } from '../log/crc32c.js';
import { activeKeyRing } from '../log/encryption.js';
import type { RawRecord } from '../log/events.js';
import type { EntryWire } from '../projections/entry-wire.js';
import { entryToWire } from '../projections/entry-wire.js';
import type { KeyEntry } from '../projections/key-entry.js';
import type { LeaseWire } from '../projections/lease-table.js';
import { VERSION } from '../version.js';
import type { BackupKind, BackupTrailer } from './backup-format.js';
import {
  BACKUP_MAGIC,
  backupPackr,
  FRAME,
  FRAME_HEAD_BYTES,
  TRAILER_BYTES,
  writeU64,
} from './backup-format.js';
import { leasesFrameValue } from './lease-frames.js';
import { entriesFrameValue } from './sealed-entries.js';

/** What goes into a backup; see {@link encodeBackup}. */
export interface BackupContent {
  readonly kind: BackupKind;
  /** Full: the revision of `entries`; incremental: the revision before the first record. */
  readonly baseRevision: number;
  /** Commit time of the base revision, 0 when unknown. */
  readonly baseTimeMs: number;
  /** Full backups: the state at `baseRevision`, in key order. */
  readonly entries?: Iterable<KeyEntry>;
  /** Full: the etcd leases at the base revision, with their keys. */
  readonly leases?: readonly LeaseWire[];
  /**
   * The records after `baseRevision`, in order and without a gap. Called once the entries are written, so
   * it can fix the end of the backup then (records committed while the state was written are included).
   */
  records(): AsyncIterable<RawRecord>;
  /**
   * Called after the last record: the time up to which the backup holds every committed record (see
   * {@link BackupTrailer.capturedAtMs}).
   */
  capturedAt(lastRevision: number): Promise<number>;
}

/** Progress of a backup being written: items (entries + records) so far. */
export type BackupProgress = (items: number) => void;

/** Chunks handed out are at least this large (except the last), a good size for gRPC messages and writes. */
const CHUNK_BYTES = 1024 * 1024;
/** A frame is closed once its payload reaches about this size. */
const FRAME_BYTES = 512 * 1024;
const ENTRIES_PER_FRAME = 4096;

/**
 * Encodes a backup (format in backup-format.ts) as a stream of byte chunks. Yields to the event loop
 * between frames, so a server keeps serving while it streams a backup.
 */
export async function* encodeBackup(
  content: BackupContent,
  progress?: BackupProgress,
): AsyncGenerator<Buffer, BackupTrailer> {
  const sha = createHash('sha256');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const push = (bytes: Buffer) => {
    sha.update(bytes);
    pending.push(bytes);
    pendingBytes += bytes.length;
  };
  const take = (): Buffer => {
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };

  push(BACKUP_MAGIC);
  push(
    frame([
      FRAME.HEADER,
      {
        kind: content.kind,
        baseRevision: content.baseRevision,
        baseTimeMs: content.baseTimeMs,
        createdAtMs: Date.now(),
        // The newest format inside: records keep the form the log stored them in.
        recordFormat: activeKeyRing() === null ? RECORD_FORMAT_VERSION : ENCRYPTED_FORMAT_VERSION,
        writer: `kvstore ${VERSION}`,
      },
    ]),
  );
  let items = 0;
  let entryFrames = 0;

  if (content.entries) {
    let wire: EntryWire[] = [];
    let bytes = 0;
    for (const entry of content.entries) {
      wire.push(entryToWire(entry));
      bytes += entry.key.length + entry.value.length + 24;
      if (wire.length === ENTRIES_PER_FRAME || bytes >= FRAME_BYTES) {
        push(frame(entriesFrameValue(wire, content.baseRevision, entryFrames++)));
        items += wire.length;
        wire = [];
        bytes = 0;
        if (pendingBytes >= CHUNK_BYTES) {
          progress?.(items);
          yield take();
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    if (wire.length > 0) {
      push(frame(entriesFrameValue(wire, content.baseRevision, entryFrames++)));
      items += wire.length;
    }
  }
  if (content.leases !== undefined && content.leases.length > 0) {
    push(frame(leasesFrameValue(content.leases, content.baseRevision)));
  }

  let last = content.baseRevision;
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flushRecords = () => {
    push(frame([FRAME.RECORDS, last - batch.length + 1, batch]));
    items += batch.length;
    batch = [];
    batchBytes = 0;
  };
  for await (const record of content.records()) {
    if (record.revision !== last + 1) {
      throw new Error(`backup: record ${record.revision} does not follow ${last} (the log changed under it)`);
    }
    last = record.revision;
    batch.push(record.payload);
    batchBytes += record.payload.length;
    if (batchBytes >= FRAME_BYTES) {
      flushRecords();
      if (pendingBytes >= CHUNK_BYTES) {
        progress?.(items);
        yield take();
      }
    }
  }
  if (batch.length > 0) flushRecords();

  const capturedAtMs = await content.capturedAt(last);
  const trailer = Buffer.alloc(TRAILER_BYTES - 32);
  writeU64(trailer, 4, last);
  writeU64(trailer, 12, items);
  writeU64(trailer, 20, capturedAtMs);
  push(trailer);
  const digest = sha.digest();
  pending.push(digest);
  pendingBytes += digest.length;
  progress?.(items);
  yield take();
  return { lastRevision: last, items, capturedAtMs };
}

function frame(value: unknown): Buffer {
  const payload = backupPackr.pack(value);
  const out = Buffer.allocUnsafe(FRAME_HEAD_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(crc32c(payload), 4);
  payload.copy(out, FRAME_HEAD_BYTES);
  return out;
}
