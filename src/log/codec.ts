import { Packr } from 'msgpackr';
import { encryptionOn, openRecordBody, sealedUnderCurrentKey, sealRecordBody } from './body-seal.js';
import { crc32c } from './crc32c.js';
import { envelopeKeyId } from './encryption.js';
import { type LogEvent, type LogRecord, logRecord } from './events.js';

/**
 * Binary form of a record's payload (version 2): one format-version byte, a CRC-32C (4 bytes, big-endian)
 * of the revision (8 bytes, big-endian) followed by the body, then the body: a MessagePack array
 * `[timeMs, [event, ...]]` where an event is `[1 put, key, value, expiresAt, createRevision, version,
 * prevRevision, lease?]` (lease only when not 0), `[2 delete, key, prevRevision]`, `[3 expire, key, prevRevision]`,
 * `[4 lease grant, lease, ttlSeconds]` or `[5 lease revoke, lease, expired 0|1]`. The revision is not
 * stored: it is the log's position (the SQLite primary key, the JetStream sequence), so a payload can never
 * disagree with it; it is covered by the checksum, so a payload copied to the wrong position fails it.
 * Version 1 (before checksums) is the same body after the version byte alone.
 */
export const RECORD_FORMAT_VERSION = 2;

/** The format before checksums: still read from backups of older builds, and upgraded when stored. */
export const LEGACY_FORMAT_VERSION = 1;

/**
 * Version 3 (encryption at rest, docs/security.md): version 2 whose stored body is an AES-256-GCM envelope
 * of the version-2 body (encryption.ts). The checksum covers the stored (sealed) bytes, so damage is still
 * told apart from a wrong key; it is verified before anything is decrypted.
 */
export const ENCRYPTED_FORMAT_VERSION = 3;

/** Version byte and checksum. */
const HEADER_BYTES = 5;

const OP_PUT = 1;
const OP_DELETE = 2;
const OP_EXPIRE = 3;
const OP_LEASE_GRANT = 4;
const OP_LEASE_REVOKE = 5;

/** Plain MessagePack (no msgpackr records extension) so any language can read the log. */
const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true });

/** A payload that cannot be decoded: a foreign, corrupt, or newer-format record. */
export class RecordFormatError extends Error {
  constructor(
    message: string,
    readonly revision: number,
  ) {
    super(`record at revision ${revision}: ${message}`);
    this.name = 'RecordFormatError';
  }
}

/** The payload's checksum does not match its bytes and revision: damaged, or stored at another revision. */
export class RecordChecksumError extends RecordFormatError {
  constructor(revision: number, stored: number, computed: number) {
    super(
      `fails its checksum (stored crc32c ${hex(stored)}, computed ${hex(computed)} over the revision and the ` +
        'bytes): the record is damaged',
      revision,
    );
    this.name = 'RecordChecksumError';
  }
}

/** Which formats {@link decodeRecord} accepts. */
export interface DecodeOptions {
  /** Also accept version 1 (no checksum): backups of older builds. A log holds version 2 only. */
  readonly legacy?: boolean;
}

/** Encodes the events and commit time of the record at `revision`. */
export function encodeRecord(revision: number, timeMs: number, events: readonly LogEvent[]): Buffer {
  const wire: unknown[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    switch (event.type) {
      case 'put':
        wire[i] = [
          OP_PUT,
          event.key,
          event.value,
          event.expiresAt,
          event.createRevision,
          event.version,
          event.prevRevision,
        ];
        // Written only for a lease, so a put without one keeps the bytes of records before leases.
        if (event.lease) (wire[i] as unknown[]).push(event.lease);
        break;
      case 'delete':
        wire[i] = [OP_DELETE, event.key, event.prevRevision];
        break;
      case 'expire':
        wire[i] = [OP_EXPIRE, event.key, event.prevRevision];
        break;
      case 'lease-grant':
        wire[i] = [OP_LEASE_GRANT, event.lease, event.ttlSeconds];
        break;
      case 'lease-revoke':
        wire[i] = [OP_LEASE_REVOKE, event.lease, event.expired ? 1 : 0];
        break;
    }
  }
  return frame(revision, packr.pack([timeMs, wire]));
}

/**
 * Decodes a payload written by {@link encodeRecord} for `revision`, checking its checksum; throws
 * {@link RecordChecksumError} when it fails and {@link RecordFormatError} on anything else.
 */
export function decodeRecord(revision: number, payload: Uint8Array, options: DecodeOptions = {}): LogRecord {
  // Values come back as views of what is decoded: Buffers (their methods are relied on) only from a Buffer.
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const stored = body(revision, bytes, options.legacy === true);
  if (bytes[0] !== ENCRYPTED_FORMAT_VERSION) return decodeBody(revision, stored);
  return decodeBody(
    revision,
    openRecordBody(revision, stored, (reason) => new RecordFormatError(reason, revision)),
  );
}

/**
 * Checks a payload without decoding it (for readers that copy payloads: backups): the current format and
 * a checksum that holds for `revision`. Throws like {@link decodeRecord}.
 */
export function verifyRawRecord(revision: number, payload: Uint8Array): void {
  body(revision, payload, false);
}

/**
 * A payload in the current format: a version-1 payload (no checksum) is checked to decode and given its
 * checksum, keeping its body byte for byte; a current one is verified and returned as it is.
 */
export function upgradeRecord(revision: number, payload: Uint8Array): Uint8Array {
  if (payload[0] !== LEGACY_FORMAT_VERSION) {
    verifyRawRecord(revision, payload);
    return payload;
  }
  const legacyBody = body(revision, payload, true);
  decodeBody(revision, legacyBody);
  return frame(revision, legacyBody);
}

/** The key id a stored record is sealed with, or null for a plaintext one (reports, tests). */
export function recordKeyId(payload: Uint8Array): string | null {
  return payload[0] === ENCRYPTED_FORMAT_VERSION ? envelopeKeyId(payload.subarray(HEADER_BYTES)) : null;
}

/**
 * The payload as the current key ring would write it (kvstore reencrypt): a record sealed under another key
 * or stored in plaintext is opened, checked to decode and sealed under the current key; one already in the
 * wanted form is returned as it is (the same object). With encryption off, sealed records become plaintext.
 */
export function resealRecord(revision: number, payload: Uint8Array): Uint8Array {
  const wanted = encryptionOn() ? ENCRYPTED_FORMAT_VERSION : RECORD_FORMAT_VERSION;
  const stored = body(revision, payload, true);
  if (payload[0] === wanted && (wanted === RECORD_FORMAT_VERSION || sealedUnderCurrentKey(stored))) {
    return payload;
  }
  const plain =
    payload[0] === ENCRYPTED_FORMAT_VERSION
      ? openRecordBody(revision, stored, (reason) => new RecordFormatError(reason, revision))
      : stored;
  decodeBody(revision, plain);
  return frame(revision, plain);
}

function frame(revision: number, plainBody: Uint8Array): Buffer {
  const sealed = sealRecordBody(revision, plainBody);
  const bodyBytes = sealed ?? plainBody;
  const out = Buffer.allocUnsafe(bodyBytes.length + HEADER_BYTES);
  out[0] = sealed === null ? RECORD_FORMAT_VERSION : ENCRYPTED_FORMAT_VERSION;
  out.writeUInt32BE(checksum(revision, bodyBytes), 1);
  out.set(bodyBytes, HEADER_BYTES);
  return out;
}

/** The body of a payload once its version and checksum are checked. */
function body(revision: number, payload: Uint8Array, legacy: boolean): Uint8Array {
  const version = payload[0];
  if (version === RECORD_FORMAT_VERSION || version === ENCRYPTED_FORMAT_VERSION) {
    if (payload.length <= HEADER_BYTES)
      throw new RecordFormatError(`payload of ${payload.length} bytes is too short`, revision);
    const bytes = payload.subarray(HEADER_BYTES);
    const stored = ((payload[1]! << 24) | (payload[2]! << 16) | (payload[3]! << 8) | payload[4]!) >>> 0;
    const computed = checksum(revision, bytes);
    if (stored !== computed) throw new RecordChecksumError(revision, stored, computed);
    return bytes;
  }
  if (version === LEGACY_FORMAT_VERSION && legacy) {
    if (payload.length < 2)
      throw new RecordFormatError(`payload of ${payload.length} bytes is too short`, revision);
    return payload.subarray(1);
  }
  if (version === LEGACY_FORMAT_VERSION) {
    throw new RecordFormatError(
      `format version 1 (no checksum) where only version ${RECORD_FORMAT_VERSION} is stored: the record is damaged`,
      revision,
    );
  }
  throw new RecordFormatError(
    `format version ${String(version)} is not supported (this build reads versions ${RECORD_FORMAT_VERSION} and ${ENCRYPTED_FORMAT_VERSION})`,
    revision,
  );
}

/** Revision bytes are hashed first, so the same body at another revision has another checksum. */
const revisionBytes = Buffer.alloc(8);

function checksum(revision: number, bodyBytes: Uint8Array): number {
  revisionBytes.writeUInt32BE(Math.floor(revision / 0x1_0000_0000), 0);
  revisionBytes.writeUInt32BE(revision >>> 0, 4);
  return crc32c(bodyBytes, crc32c(revisionBytes));
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function decodeBody(revision: number, bodyBytes: Uint8Array): LogRecord {
  let decoded: unknown;
  try {
    decoded = packr.unpack(bodyBytes);
  } catch (err) {
    throw new RecordFormatError(`not valid MessagePack (${(err as Error).message})`, revision);
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length < 2 ||
    typeof decoded[0] !== 'number' ||
    !Array.isArray(decoded[1])
  ) {
    throw new RecordFormatError('payload is not [timeMs, events]', revision);
  }
  const wire = decoded[1] as unknown[];
  const events: LogEvent[] = new Array(wire.length);
  for (let i = 0; i < wire.length; i++) events[i] = decodeEvent(revision, wire[i]);
  return logRecord(revision, decoded[0], events);
}

function decodeEvent(revision: number, wire: unknown): LogEvent {
  if (Array.isArray(wire) && (wire[0] === OP_LEASE_GRANT || wire[0] === OP_LEASE_REVOKE)) {
    if (typeof wire[1] !== 'number' || typeof wire[2] !== 'number')
      throw new RecordFormatError('lease event is not [opcode, lease, number]', revision);
    return wire[0] === OP_LEASE_GRANT
      ? { type: 'lease-grant', lease: wire[1], ttlSeconds: wire[2] }
      : { type: 'lease-revoke', lease: wire[1], expired: wire[2] === 1 };
  }
  if (!Array.isArray(wire) || typeof wire[1] !== 'string') {
    throw new RecordFormatError('event is not [opcode, key, ...]', revision);
  }
  const key = wire[1];
  switch (wire[0]) {
    case OP_PUT: {
      const value = wire[2];
      if (!(value instanceof Uint8Array) || wire.length < 7) {
        throw new RecordFormatError(
          `put of "${key}" is not [1, key, value, expiresAt, create, version, prev]`,
          revision,
        );
      }
      return {
        type: 'put',
        key,
        value,
        expiresAt: wire[3] as number,
        createRevision: wire[4] as number,
        version: wire[5] as number,
        prevRevision: wire[6] as number,
        ...(typeof wire[7] === 'number' && wire[7] !== 0 ? { lease: wire[7] } : {}),
      };
    }
    case OP_DELETE:
      return { type: 'delete', key, prevRevision: wire[2] as number };
    case OP_EXPIRE:
      return { type: 'expire', key, prevRevision: wire[2] as number };
    default:
      throw new RecordFormatError(
        `unknown event opcode ${String(wire[0])} (written by a newer kvstore?)`,
        revision,
      );
  }
}
