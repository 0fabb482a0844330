import { Packr } from 'msgpackr';
import type { LogEvent, LogRecord } from './events.js';

/**
 * Binary form of a record's payload: one format-version byte, then a MessagePack array
 * `[timeMs, [event, ...]]` where an event is `[1 put, key, value, expiresAt, createRevision, version,
 * prevRevision]`, `[2 delete, key, prevRevision]` or `[3 expire, key, prevRevision]`. The revision is not inside: it is the log's
 * position (the SQLite primary key, the JetStream sequence), so a payload can never disagree with it.
 */
export const RECORD_FORMAT_VERSION = 1;

const OP_PUT = 1;
const OP_DELETE = 2;
const OP_EXPIRE = 3;

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

/** Encodes the events and commit time of one record. */
export function encodeRecord(timeMs: number, events: readonly LogEvent[]): Buffer {
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
        break;
      case 'delete':
        wire[i] = [OP_DELETE, event.key, event.prevRevision];
        break;
      case 'expire':
        wire[i] = [OP_EXPIRE, event.key, event.prevRevision];
        break;
    }
  }
  const body = packr.pack([timeMs, wire]);
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = RECORD_FORMAT_VERSION;
  body.copy(out, 1);
  return out;
}

/** Decodes a payload written by {@link encodeRecord}; throws {@link RecordFormatError} on anything else. */
export function decodeRecord(revision: number, payload: Uint8Array): LogRecord {
  if (payload.length < 2)
    throw new RecordFormatError(`payload of ${payload.length} bytes is too short`, revision);
  if (payload[0] !== RECORD_FORMAT_VERSION) {
    throw new RecordFormatError(
      `format version ${payload[0]} is not supported (this build reads version ${RECORD_FORMAT_VERSION})`,
      revision,
    );
  }
  let decoded: unknown;
  try {
    decoded = packr.unpack(payload.subarray(1));
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
  return { revision, timeMs: decoded[0], events };
}

function decodeEvent(revision: number, wire: unknown): LogEvent {
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
