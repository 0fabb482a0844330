import { createHash } from 'node:crypto';

/**
 * The subject contract (docs/nats.md): a key's `/`-separated segments become subject tokens under the
 * prefix, so `kvstore.events.app.>` follows every key under `app/`. Each token keeps `A-Z a-z 0-9 - _`
 * and writes every other byte of its UTF-8 as `%XX` (uppercase hex); an empty segment is the token `%`.
 * Both are reversible, and neither can produce the token `%%`, which marks keys too long for a subject:
 * `<prefix>.%%.<sha256 of the key>` (the key itself travels in the Kvstore-Key header).
 */

/** Longest subject we publish to; NATS's default control line limit is 4 KiB for the whole PUB line. */
export const MAX_SUBJECT_BYTES = 1024;

const SAFE = /^[A-Za-z0-9_-]$/;

/** One key segment as a subject token. */
export function encodeToken(segment: string): string {
  if (segment === '') return '%';
  let out = '';
  for (const char of segment) {
    if (SAFE.test(char)) out += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of {@link encodeToken}. */
export function decodeToken(token: string): string {
  if (token === '%') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '%') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The subject a change of `key` is published to. */
export function keySubject(prefix: string, key: string): string {
  const subject = `${prefix}.${key.split('/').map(encodeToken).join('.')}`;
  if (subject.length <= MAX_SUBJECT_BYTES) return subject;
  return `${prefix}.%%.${createHash('sha256').update(key).digest('hex')}`;
}

/** The key of a subject (undefined for the hashed form of a long key: read the Kvstore-Key header). */
export function subjectKey(prefix: string, subject: string): string | undefined {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  const tokens = subject.slice(prefix.length + 1).split('.');
  if (tokens[0] === '%%') return undefined;
  return tokens.map(decodeToken).join('/');
}

/**
 * A subject filter for a key pattern: segments are encoded like keys, `*` matches one segment, and a
 * final `**` (or `>`) matches the rest: `app/*\/config` -> `kvstore.events.app.*.config`.
 */
export function patternSubject(prefix: string, pattern: string): string {
  const segments = pattern.split('/');
  return `${prefix}.${segments
    .map((s, i) => {
      if (s === '*') return '*';
      if ((s === '**' || s === '>') && i === segments.length - 1) return '>';
      return encodeToken(s);
    })
    .join('.')}`;
}
