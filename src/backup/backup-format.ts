import { Packr } from 'msgpackr';

/**
 * The backup file format (docs/backup.md is the reference for people and other languages):
 *
 *   magic "KVBKUP\0" + format version byte (1)
 *   frames, each: u32 payload length | u32 CRC-32C of the payload | payload (MessagePack)
 *     [0, header]                           first frame, always
 *     [1, [entry, ...]]                     full backups: the state at the base revision, keys in order,
 *                                           entry = [key, value (bin), createRevision, modRevision, version, expiresAt]
 *     [2, firstRevision, [record, ...]]     log records firstRevision, firstRevision+1, ..., each the bin
 *                                           payload of the log codec (codec.ts), byte for byte
 *     [3, count, envelope]                  encryption at rest: frame 1's array of `count` entries, sealed
 *                                           (AES-256-GCM, docs/security.md)
 *     [4, [lease, ...]]                     full backups with etcd leases, after the entries:
 *                                           lease = [id, ttlSeconds, [key, ...]] (lease-frames.ts)
 *     [5, count, envelope]                  encryption at rest: frame 4's array of `count` leases, sealed
 *   trailer: u32 0 (ends the frames) | u64 last revision | u64 items (entries + records)
 *            | u64 capture time (ms since the epoch) | SHA-256 of every byte before it
 *
 * All integers are big-endian. A reader checks each frame's CRC as it goes and the SHA-256 at the end,
 * so it can name the byte offset of the first damage, and a consumer must not act on anything before the
 * whole file has been checked.
 */
export const BACKUP_MAGIC = Buffer.from('KVBKUP\0\x01', 'latin1');

/** The version byte at the end of {@link BACKUP_MAGIC}. */
export const BACKUP_FORMAT_VERSION = 1;

/** Bytes before each frame's payload: its length and its CRC-32C. */
export const FRAME_HEAD_BYTES = 8;

/** Bytes of the trailer, from the end marker to the end of the SHA-256. */
export const TRAILER_BYTES = 4 + 8 + 8 + 8 + 32;

/** Largest frame a reader accepts: a damaged length field must not make it allocate gigabytes. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/**
 * Frame kinds (the first element of each frame's MessagePack array). SEALED_ENTRIES: `[3, count, envelope]`, state
 * entries under encryption at rest (sealed-entries.ts).
 */
export const FRAME = {
  HEADER: 0,
  ENTRIES: 1,
  RECORDS: 2,
  SEALED_ENTRIES: 3,
  LEASES: 4,
  SEALED_LEASES: 5,
} as const;

/** What a backup holds: a state and the log after it, or only log records. */
export type BackupKind = 'full' | 'incremental';

/** The first frame of a backup. */
export interface BackupHeader {
  readonly kind: BackupKind;
  /**
   * Full: the revision of the state it holds (its records follow from `baseRevision + 1`). Incremental:
   * the revision before its first record, so it continues a backup that ends at `baseRevision` or later.
   */
  readonly baseRevision: number;
  /** Commit time of the base revision (ms since the epoch), or 0 when unknown or when it is revision 0. */
  readonly baseTimeMs: number;
  /** When the backup started (ms since the epoch). */
  readonly createdAtMs: number;
  /** Format version of the log records inside (the codec's RECORD_FORMAT_VERSION). */
  readonly recordFormat: number;
  /** The kvstore version that wrote it. */
  readonly writer: string;
}

/** The end of a backup. */
export interface BackupTrailer {
  /** The revision of its last record (the base revision when it holds none). */
  readonly lastRevision: number;
  /** State entries plus log records. */
  readonly items: number;
  /**
   * When the backup fixed its end: every record committed before then with a revision up to
   * `lastRevision` is in it, so a point-in-time restore up to this time is complete.
   */
  readonly capturedAtMs: number;
}

/** A backup that is truncated, altered, or not a backup; names the file and the byte offset. */
export class BackupFormatError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file}: byte offset ${offset}: ${reason}`);
    this.name = 'BackupFormatError';
  }
}

/** Plain MessagePack (no msgpackr extensions), so other languages can read backups. */
export const backupPackr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });

/** Writes `n` (< 2^53) as a big-endian u64 at `at`. */
export function writeU64(buffer: Buffer, at: number, n: number): void {
  buffer.writeUInt32BE(Math.floor(n / 0x1_0000_0000), at);
  buffer.writeUInt32BE(n >>> 0, at + 4);
}

/** Reads a big-endian u64 (< 2^53) at `at`. */
export function readU64(buffer: Buffer, at: number): number {
  return buffer.readUInt32BE(at) * 0x1_0000_0000 + buffer.readUInt32BE(at + 4);
}

/** Checks a decoded header frame; returns null when it is not one. */
export function parseHeader(value: unknown): BackupHeader | null {
  if (value === null || typeof value !== 'object') return null;
  const h = value as Record<string, unknown>;
  if (
    (h.kind !== 'full' && h.kind !== 'incremental') ||
    !Number.isSafeInteger(h.baseRevision) ||
    (h.baseRevision as number) < 0 ||
    typeof h.baseTimeMs !== 'number' ||
    typeof h.createdAtMs !== 'number' ||
    typeof h.recordFormat !== 'number'
  ) {
    return null;
  }
  return {
    kind: h.kind,
    baseRevision: h.baseRevision as number,
    baseTimeMs: h.baseTimeMs,
    createdAtMs: h.createdAtMs,
    recordFormat: h.recordFormat,
    writer: typeof h.writer === 'string' ? h.writer : 'unknown',
  };
}
