import { createHash } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Packr } from 'msgpackr';
import { activeKeyRing, EnvelopeFormatError, openSealed, seal } from '../log/encryption.js';
import { sealContext, sealLabel } from '../log/seal-context.js';
import { ByteReader, fileSource } from './byte-reader.js';
import { entryFromWire, entryToWire } from './entry-wire.js';
import type { KeyEntry } from './key-entry.js';
import type { IndexSnapshot } from './key-index.js';
import { type LeaseWire, leasesFromWire } from './lease-table.js';

/**
 * Checkpoint file: the key state at one revision, so start-up replays only the log after it.
 *
 *   magic "KVCKPT\0" + format version byte
 *   frames: u32 big-endian length + MessagePack payload
 *     frame 0: { revision, keyCount, createdAtMs, leaseCount? }
 *     frame 1, when leaseCount > 0: the leases [[id, ttlSeconds, [key, ...]], ...] (lease-table.ts)
 *     then arrays of up to 4096 entries [key, value (bin), createRevision, modRevision, version, expiresAt]
 *   end: u32 0, then SHA-256 of every byte before it
 *
 * Entries are in key order, so loading appends to the index without comparing. Checkpoints written before
 * leases have no leaseCount and no lease frame, and still load; a build before leases refuses a checkpoint
 * with a lease frame (it is not an entries array) and falls back to an older one. With encryption at rest on
 * (docs/security.md), the version byte is 2 and every frame's payload is an AES-256-GCM envelope
 * (log/encryption.ts) bound to its frame index and the checkpoint's revision: keys and values are sealed.
 */
const MAGIC = Buffer.from('KVCKPT\0\x01', 'latin1');
const SEALED_MAGIC = Buffer.from('KVCKPT\0\x02', 'latin1');
const ENTRIES_PER_FRAME = 4096;
const HASH_BYTES = 32;

const packr = new Packr({ useRecords: false, moreTypes: false });

/** Header of a checkpoint file. */
export interface CheckpointHeader {
  readonly revision: number;
  readonly keyCount: number;
  readonly createdAtMs: number;
  /** Leases in the lease frame (absent: none, and checkpoints written before leases). */
  readonly leaseCount?: number;
}

/** A checkpoint file that is truncated, altered or not a checkpoint at all. */
export class CheckpointFormatError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'CheckpointFormatError';
  }
}

/**
 * Writes a snapshot of the index (the state at `revision`) to `path` atomically: a temporary file, fsync,
 * rename, fsync of the directory. Yields to the event loop between frames so serving goes on meanwhile.
 */
export async function writeCheckpoint(
  path: string,
  revision: number,
  snapshot: IndexSnapshot,
  leases: readonly LeaseWire[] = [],
): Promise<number> {
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w');
  const hash = createHash('sha256');
  const ring = activeKeyRing();
  let frames = 0;
  // The header is sealed before its revision is known to the reader, so its context says revision 0.
  const pack = (value: unknown): Buffer => {
    const plain = packr.pack(value);
    const index = frames++;
    return ring === null ? plain : seal(ring, plain, checkpointContext(index, index === 0 ? 0 : revision));
  };
  let bytes = 0;
  const write = async (chunk: Buffer) => {
    hash.update(chunk);
    await file.write(chunk);
    bytes += chunk.length;
  };
  try {
    await write(ring === null ? MAGIC : SEALED_MAGIC);
    const leaseCount = leases.length > 0 ? { leaseCount: leases.length } : {};
    await write(frame(pack({ revision, keyCount: snapshot.size, createdAtMs: Date.now(), ...leaseCount })));
    if (leases.length > 0) await write(frame(pack(leases)));
    let wire: unknown[] = [];
    for (const e of snapshot.entries()) {
      wire.push(entryToWire(e));
      if (wire.length === ENTRIES_PER_FRAME) {
        await write(frame(pack(wire)));
        wire = [];
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    if (wire.length > 0) await write(frame(pack(wire)));
    const end = Buffer.alloc(4);
    hash.update(end);
    await file.write(end);
    await file.write(hash.digest());
    bytes += 4 + HASH_BYTES;
    await file.sync();
  } catch (err) {
    await file.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await file.close();
  await rename(tmp, path);
  await fsyncDirectory(dirname(path));
  return bytes;
}

/**
 * Reads a checkpoint, verifying its structure and its SHA-256. `onEntries` receives entries in key order as
 * they are decoded; when the file turns out to be bad, a {@link CheckpointFormatError} is thrown after some
 * entries may have been delivered, and the caller must discard them.
 */
export async function readCheckpoint(
  path: string,
  onEntries: (entries: KeyEntry[]) => void,
  onLeases: (leases: LeaseWire[]) => void = () => {},
): Promise<CheckpointHeader> {
  const file = await open(path, 'r');
  try {
    const reader = new ByteReader(
      fileSource(file),
      (offset) => new CheckpointFormatError(path, `truncated at byte ${offset}`),
    );
    const magic = await reader.take(MAGIC.length);
    const sealed = magic.equals(SEALED_MAGIC);
    if (!sealed && !magic.equals(MAGIC))
      throw new CheckpointFormatError(path, 'not a kvstore checkpoint (bad magic)');
    let frames = 0;
    const unpack = (payload: Buffer, revision: number): unknown =>
      packr.unpack(sealed ? openFrame(path, payload, checkpointContext(frames++, revision)) : payload);
    const headerFrame = await nextFrame(reader);
    if (headerFrame === null) throw new CheckpointFormatError(path, 'no header');
    const header = unpack(headerFrame, 0) as CheckpointHeader;
    if (typeof header?.revision !== 'number' || typeof header.keyCount !== 'number') {
      throw new CheckpointFormatError(path, 'header is not { revision, keyCount }');
    }
    if (typeof header.leaseCount === 'number' && header.leaseCount > 0) {
      const payload = await nextFrame(reader);
      const leases = payload === null ? null : leasesFromWire(unpack(payload, header.revision));
      if (leases === null || leases.length !== header.leaseCount)
        throw new CheckpointFormatError(path, `header promises ${header.leaseCount} leases, file holds none`);
      onLeases(leases);
    }
    let count = 0;
    for (let payload = await nextFrame(reader); payload !== null; payload = await nextFrame(reader)) {
      const wire = unpack(payload, header.revision) as unknown[];
      const entries: KeyEntry[] = new Array(wire.length);
      for (let i = 0; i < wire.length; i++) {
        const entry = entryFromWire(wire[i]);
        if (entry === null) throw new CheckpointFormatError(path, 'an entry is not [key, value, ...]');
        entries[i] = entry;
      }
      count += entries.length;
      onEntries(entries);
    }
    const expected = reader.digest();
    const stored = await reader.take(HASH_BYTES, false);
    if (!stored.equals(expected))
      throw new CheckpointFormatError(path, 'SHA-256 does not match the contents');
    if (!(await reader.atEnd())) throw new CheckpointFormatError(path, 'trailing bytes after the checksum');
    if (count !== header.keyCount) {
      throw new CheckpointFormatError(path, `header promises ${header.keyCount} keys, file holds ${count}`);
    }
    return header;
  } finally {
    await file.close();
  }
}

const CHECKPOINT = sealLabel('kvstore checkpoint');

function checkpointContext(index: number, revision: number): Buffer {
  return sealContext(CHECKPOINT, [
    ['u32', index],
    ['u64', revision],
  ]);
}

/** A sealed frame's plaintext; a missing key or failed tag throws the encryption module's errors. */
function openFrame(path: string, payload: Buffer, context: Buffer): Buffer {
  try {
    return openSealed(activeKeyRing(), payload, context, `checkpoint ${path}`);
  } catch (err) {
    if (err instanceof EnvelopeFormatError) throw new CheckpointFormatError(path, err.message);
    throw err;
  }
}

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

/** The next frame's payload (valid until the next read), or null at the end marker. */
async function nextFrame(reader: ByteReader): Promise<Buffer | null> {
  const length = (await reader.take(4)).readUInt32BE(0);
  if (length === 0) return null;
  return reader.take(length);
}

/** Makes a rename durable: fsync of the directory that holds the entry. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
