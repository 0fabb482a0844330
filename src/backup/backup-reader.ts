import { compareKeys } from '../keys/key-order.js';
import { crc32c } from '../log/crc32c.js';
import type { ByteSource } from '../projections/byte-reader.js';
import { ByteReader } from '../projections/byte-reader.js';
import { entryFromWire } from '../projections/entry-wire.js';
import type { KeyEntry } from '../projections/key-entry.js';
import type { LeaseWire } from '../projections/lease-table.js';
import type { BackupHeader, BackupTrailer } from './backup-format.js';
import {
  BACKUP_FORMAT_VERSION,
  BACKUP_MAGIC,
  BackupFormatError,
  backupPackr,
  FRAME,
  MAX_FRAME_BYTES,
  parseHeader,
  readU64,
} from './backup-format.js';
import { openLeasesFrame } from './lease-frames.js';
import { openEntriesFrame, sealedCount } from './sealed-entries.js';

/**
 * Receives a backup's contents as they are checked. Arrays and byte views are valid until the returned
 * promise settles. A later part of the file can still turn out damaged: act on nothing for good (rename,
 * acknowledge) before {@link decodeBackup} resolves.
 */
export interface BackupVisitor {
  header?(header: BackupHeader): void | Promise<void>;
  /** State entries of a full backup, in key order. */
  entries?(entries: readonly KeyEntry[], offset: number): void | Promise<void>;
  /** A full backup's etcd leases and their keys (frames 4 and 5). */
  leases?(leases: readonly LeaseWire[]): void | Promise<void>;
  /** Log records `first`, `first + 1`, ..., as codec payloads; `offset` is where their frame starts. */
  records?(first: number, payloads: readonly Uint8Array[], offset: number): void | Promise<void>;
}

/** A checked backup: its header and trailer. */
export interface BackupSummary {
  readonly header: BackupHeader;
  readonly trailer: BackupTrailer;
}

/**
 * Reads a whole backup from `source`, checking the magic, every frame's CRC-32C and structure, the
 * continuity of revisions, the trailer's counts and the SHA-256 of the file. Throws
 * {@link BackupFormatError} naming `file` and the byte offset of the first problem.
 */
export async function decodeBackup(
  source: ByteSource,
  file: string,
  visitor: BackupVisitor = {},
): Promise<BackupSummary> {
  const fail = (offset: number, reason: string) => new BackupFormatError(file, offset, reason);
  const reader = new ByteReader(source, (offset, needed) =>
    fail(offset, `the file ends here, ${needed} more bytes were expected (truncated)`),
  );

  const magic = await reader.take(BACKUP_MAGIC.length);
  if (!magic.subarray(0, 7).equals(BACKUP_MAGIC.subarray(0, 7))) {
    throw fail(0, 'not a kvstore backup (it does not start with "KVBKUP")');
  }
  if (magic[7] !== BACKUP_FORMAT_VERSION) {
    throw fail(7, `backup format ${magic[7]} is not supported (this build reads ${BACKUP_FORMAT_VERSION})`);
  }

  let header: BackupHeader | null = null;
  let next = 0;
  let items = 0;
  let lastKey: string | null = null;
  let sawRecords = false;
  let entryFrames = 0;
  for (;;) {
    const offset = reader.offset;
    const length = (await reader.take(4)).readUInt32BE(0);
    if (length === 0) break;
    if (length > MAX_FRAME_BYTES) {
      throw fail(offset, `frame length ${length} is over the limit of ${MAX_FRAME_BYTES} bytes (damaged)`);
    }
    const stored = (await reader.take(4)).readUInt32BE(0);
    // A damaged length runs past the end as a truncation would: name the frame, which is where it is.
    const payload = await reader.take(length).catch((err: unknown) => {
      throw err instanceof BackupFormatError
        ? fail(
            offset,
            `frame of ${length} bytes runs past the end of the file (a damaged length, or truncated)`,
          )
        : err;
    });
    const computed = crc32c(payload);
    if (computed !== stored) {
      throw fail(
        offset,
        `frame of ${length} bytes fails its CRC-32C check (stored ${hex(stored)}, computed ${hex(computed)})`,
      );
    }
    let value: unknown;
    try {
      value = backupPackr.unpack(payload);
    } catch (err) {
      throw fail(offset, `frame is not valid MessagePack (${(err as Error).message})`);
    }
    if (!Array.isArray(value)) throw fail(offset, 'frame is not a [kind, ...] array');

    if (header === null) {
      header = value[0] === FRAME.HEADER ? parseHeader(value[1]) : null;
      if (header === null) throw fail(offset, 'the first frame is not a valid backup header');
      next = header.baseRevision + 1;
      await visitor.header?.(header);
      continue;
    }
    switch (value[0]) {
      case FRAME.ENTRIES:
      case FRAME.SEALED_ENTRIES: {
        if (header.kind !== 'full' || sawRecords) {
          throw fail(offset, 'state entries are only allowed in a full backup, before its records');
        }
        const index = entryFrames++;
        if (value[0] === FRAME.SEALED_ENTRIES && visitor.entries === undefined) {
          // Checking a sealed backup needs no key: its CRC and SHA-256 cover the envelope.
          items += sealedCount(value, (reason) => fail(offset, reason));
          break;
        }
        const wire =
          value[0] === FRAME.ENTRIES
            ? value[1]
            : openEntriesFrame(
                value,
                header.baseRevision,
                index,
                `${file} (entries frame ${index})`,
                (reason) => fail(offset, reason),
              );
        if (!Array.isArray(wire)) throw fail(offset, 'entries frame does not hold an array');
        const entries: KeyEntry[] = new Array(wire.length);
        for (let i = 0; i < wire.length; i++) {
          const entry = entryFromWire(wire[i]);
          if (entry === null) throw fail(offset, `entry ${i} of the frame is not [key, value, ...]`);
          if (lastKey !== null && compareKeys(lastKey, entry.key) >= 0) {
            throw fail(offset, `entry "${entry.key}" is not in key order (after "${lastKey}")`);
          }
          lastKey = entry.key;
          entries[i] = entry;
        }
        items += entries.length;
        await visitor.entries?.(entries, offset);
        break;
      }
      case FRAME.LEASES:
      case FRAME.SEALED_LEASES: {
        if (header.kind !== 'full' || sawRecords) {
          throw fail(offset, 'leases are only allowed in a full backup, before its records');
        }
        // Checking a sealed backup needs no key: its CRC and SHA-256 cover the envelope.
        if (value[0] === FRAME.SEALED_LEASES && visitor.leases === undefined) break;
        const leases = openLeasesFrame(value, header.baseRevision, (reason) => fail(offset, reason));
        await visitor.leases?.(leases);
        break;
      }
      case FRAME.RECORDS: {
        const [, first, payloads] = value as [number, unknown, unknown];
        if (first !== next) {
          throw fail(offset, `records frame starts at revision ${String(first)}, expected ${next}`);
        }
        if (!Array.isArray(payloads) || payloads.length === 0 || !payloads.every(isBytes)) {
          throw fail(offset, 'records frame does not hold a non-empty array of binary records');
        }
        sawRecords = true;
        next += payloads.length;
        items += payloads.length;
        await visitor.records?.(first, payloads, offset);
        break;
      }
      default:
        throw fail(offset, `unknown frame kind ${String(value[0])} (written by a newer kvstore?)`);
    }
  }
  if (header === null) throw fail(BACKUP_MAGIC.length, 'no header frame');

  const trailerOffset = reader.offset - 4;
  const numbers = await reader.take(24);
  const trailer: BackupTrailer = {
    lastRevision: readU64(numbers, 0),
    items: readU64(numbers, 8),
    capturedAtMs: readU64(numbers, 16),
  };
  if (trailer.lastRevision !== next - 1 || trailer.items !== items) {
    throw fail(
      trailerOffset,
      `trailer says last revision ${trailer.lastRevision} and ${trailer.items} items; the frames hold ` +
        `revision ${next - 1} and ${items} items`,
    );
  }
  const expected = reader.digest();
  const shaOffset = reader.offset;
  const sha = await reader.take(32, false);
  if (!sha.equals(expected)) throw fail(shaOffset, 'the SHA-256 of the file does not match its contents');
  if (!(await reader.atEnd())) await readEtcdEnvelope(reader, fail);
  return { header, trailer };
}

/**
 * The end of a backup served as an etcd snapshot (Maintenance.Snapshot, docs/etcd.md): zero bytes up to 32
 * short of a multiple of 512, then 32 bytes (etcd's SHA-256 of everything before them). The backup's own
 * SHA-256 has already covered every byte of the backup; here the padding must be zeros and nothing may
 * follow the 32 bytes. Anything else is 'unexpected bytes after the SHA-256'.
 */
async function readEtcdEnvelope(
  reader: ByteReader,
  fail: (offset: number, reason: string) => BackupFormatError,
): Promise<void> {
  const start = reader.offset;
  const padding = (512 - (start % 512)) % 512;
  const unexpected = () => fail(start, 'unexpected bytes after the SHA-256');
  let tail: Buffer;
  try {
    tail = await reader.take(padding + 32, false);
  } catch {
    throw unexpected();
  }
  if (tail.subarray(0, padding).some((byte) => byte !== 0) || !(await reader.atEnd())) throw unexpected();
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
