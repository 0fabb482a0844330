import { isUtf8 } from 'node:buffer';
import type { KeySpan } from '../keys/key-order.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { storedValueBytes } from '../projections/key-entry.js';
import { InvalidArgumentError } from '../store/errors.js';
import { parsePattern } from '../store/limits.js';
import type { KeyValue } from './generated/kvstore/v1/KeyValue.js';

const EMPTY = Buffer.alloc(0);

/** A key entry as it goes on the wire. */
export function toKeyValue(entry: KeyEntry, withValue = true): KeyValue {
  return {
    key: entry.key,
    value: withValue ? storedValueBytes(entry.value) : EMPTY,
    create_revision: entry.createRevision,
    mod_revision: entry.modRevision,
    version: entry.version,
    expires_at_ms: entry.expiresAt,
  };
}

/** The span of a request that names a prefix, a [start, end) range or a pattern (one of them). */
export function spanOf(request: { prefix: string; start: string; end: string; pattern?: string }): KeySpan {
  if (request.pattern) {
    if (request.prefix !== '' || request.start !== '' || request.end !== '') {
      throw new InvalidArgumentError('pattern', 'cannot be combined with prefix or start/end');
    }
    return parsePattern(request.pattern);
  }
  if (request.start !== '' || request.end !== '') {
    if (request.prefix !== '') throw new InvalidArgumentError('prefix', 'cannot be combined with start/end');
    return { kind: 'range', start: request.start, end: request.end === '' ? null : request.end };
  }
  return { kind: 'prefix', prefix: request.prefix };
}

/**
 * List continuation tokens: opaque to clients, base64url of "k" + the last key returned. Keeping the key
 * (not an offset) makes the next page correct even when keys are inserted or deleted in between.
 */
export function encodePageToken(lastKey: string): string {
  return Buffer.from(`k${lastKey}`, 'utf8').toString('base64url');
}

export function decodePageToken(token: string): string | undefined {
  if (token === '') return undefined;
  const bytes = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url') : null;
  // A token that decodes to invalid UTF-8 was not issued here (and would resume at a U+FFFD key).
  const text = bytes && isUtf8(bytes) ? bytes.toString('utf8') : '';
  if (!text.startsWith('k') || text.length < 2) {
    throw new InvalidArgumentError(
      'page_token',
      'is not a token this server issued (pass next_page_token as is)',
    );
  }
  return text.slice(1);
}
