import type { KeyEvent, LogRecord } from '../log/events.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { storedValueBytes } from '../projections/key-entry.js';
import { usage } from './exit-codes.js';
import { jsonValue } from './output.js';

/**
 * The JSON Lines forms of `kvstore export` and `kvstore import` (docs/backup.md): values are text when
 * they are valid UTF-8 (`value`) and base64 otherwise (`value_base64`); times are ISO 8601 strings.
 */

/** A key as an export line: `{key, value, create_revision, mod_revision, version, expires_at}`. */
export function entryLine(entry: KeyEntry): string {
  return JSON.stringify({
    key: entry.key,
    ...jsonValue(storedValueBytes(entry.value)),
    create_revision: entry.createRevision,
    mod_revision: entry.modRevision,
    version: entry.version,
    expires_at: entry.expiresAt === 0 ? null : new Date(entry.expiresAt).toISOString(),
  });
}

/** An event of the history as an export line: `{revision, time, type, key, ...}`. */
export function eventLine(record: LogRecord, event: KeyEvent): string {
  const common = { revision: record.revision, time: new Date(record.timeMs).toISOString(), type: event.type };
  if (event.type !== 'put') {
    return JSON.stringify({ ...common, key: event.key, prev_revision: event.prevRevision });
  }
  return JSON.stringify({
    ...common,
    key: event.key,
    ...jsonValue(Buffer.from(event.value.buffer, event.value.byteOffset, event.value.byteLength)),
    create_revision: event.createRevision,
    version: event.version,
    prev_revision: event.prevRevision,
    expires_at: event.expiresAt === 0 ? null : new Date(event.expiresAt).toISOString(),
  });
}

/** One line of an import: a put (value and optional expiry) or a removal of a key. */
export type ImportOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Buffer; readonly expiresAt: number }
  | { readonly type: 'delete'; readonly key: string };

/**
 * Parses an import line: a key line (no `type`), or with `history` an event line (`type` put, delete or
 * expire; expire is imported as a delete). Throws a usage error naming the line and the field.
 */
export function parseImportLine(text: string, line: number, history: boolean): ImportOp {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usage(`line ${line}: not JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw usage(`line ${line}: not a JSON object`);
  }
  const o = value as Record<string, unknown>;
  if (typeof o.key !== 'string' || o.key === '')
    throw usage(`line ${line}: "key" must be a non-empty string`);
  if (history && o.type === undefined) {
    throw usage(`line ${line}: no "type": this is a key, not an event (import keys without --history)`);
  }
  if (!history && o.type !== undefined) {
    throw usage(`line ${line}: an event of a history (it has a "type"); import it with --history`);
  }
  const type = o.type ?? 'put';
  if (type === 'delete' || type === 'expire') return { type: 'delete', key: o.key };
  if (type !== 'put')
    throw usage(`line ${line}: "type" must be put, delete or expire (got ${JSON.stringify(type)})`);
  let bytes: Buffer;
  if (typeof o.value === 'string') bytes = Buffer.from(o.value, 'utf8');
  else if (typeof o.value_base64 === 'string') bytes = Buffer.from(o.value_base64, 'base64');
  else throw usage(`line ${line}: a put needs "value" (text) or "value_base64"`);
  let expiresAt = 0;
  if (o.expires_at !== undefined && o.expires_at !== null) {
    expiresAt = typeof o.expires_at === 'string' ? Date.parse(o.expires_at) : Number.NaN;
    if (Number.isNaN(expiresAt)) throw usage(`line ${line}: "expires_at" must be an ISO 8601 time or null`);
  }
  return { type: 'put', key: o.key, value: bytes, expiresAt };
}
