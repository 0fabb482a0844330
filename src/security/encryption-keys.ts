import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DATA_KEY_BYTES, type DataKey, EncryptionKeyError, KeyRing } from '../log/encryption.js';

/**
 * Where the data keys of encryption at rest come from (docs/security.md, "Encryption at rest"): the file
 * `security.encryptionKeyFile`, or the variable {@link ENCRYPTION_KEY_ENV}. Never a flag or the config file
 * itself: a flag shows in `ps`, and the config file is shared and printed by --print-config.
 */

/** Environment variable holding the keys inline: `id:base64[,id:base64...]`, the first one current. */
export const ENCRYPTION_KEY_ENV = 'KVSTORE_ENCRYPTION_KEY';

/** The entry of a key file that names the current key instead of holding one. */
const CURRENT = 'current';

/**
 * The key ring from `file` ('' = none) or `envValue` (undefined or '' = none); null when neither is set
 * (encryption at rest off). Both set is refused: which one wins would be a guess.
 */
export function loadKeyRing(file: string, envValue: string | undefined): KeyRing | null {
  const inline = envValue?.trim() ?? '';
  if (file !== '' && inline !== '') {
    throw new EncryptionKeyError(
      `both security.encryptionKeyFile (${file}) and ${ENCRYPTION_KEY_ENV} are set; set one of them`,
      '',
    );
  }
  if (file !== '') return parseKeyFile(readKeyFile(file), file);
  if (inline !== '') return parseKeyList(inline, ENCRYPTION_KEY_ENV);
  return null;
}

/**
 * A key file: a YAML (or JSON) map of key id to 32 base64 bytes, one `id: base64` line each, plus an
 * optional `current: id`; without it the first key is current.
 */
export function parseKeyFile(text: string, path: string): KeyRing {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new EncryptionKeyError(`${path}: not YAML or JSON (${(err as Error).message})`, '');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new EncryptionKeyError(`${path}: expected lines of "id: base64-of-32-bytes"`, '');
  }
  const keys: DataKey[] = [];
  let current: string | undefined;
  for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (id === CURRENT) {
      if (typeof value !== 'string')
        throw new EncryptionKeyError(`${path}: "current" must name a key id`, '');
      current = value;
      continue;
    }
    if (typeof value !== 'string') {
      throw new EncryptionKeyError(
        `${path}: key "${id}" must be a base64 string of ${DATA_KEY_BYTES} bytes`,
        id,
      );
    }
    keys.push({ id, key: decodeKey(value, id, path) });
  }
  return ring(keys, current, path);
}

/** `id:base64[,id:base64...]`, the first current (the variable's form). */
export function parseKeyList(text: string, where: string): KeyRing {
  const keys: DataKey[] = [];
  for (const part of text.split(',')) {
    const at = part.indexOf(':');
    if (at <= 0) throw new EncryptionKeyError(`${where}: expected id:base64[,id:base64...]`, '');
    const id = part.slice(0, at).trim();
    keys.push({ id, key: decodeKey(part.slice(at + 1).trim(), id, where) });
  }
  return ring(keys, undefined, where);
}

function ring(keys: readonly DataKey[], current: string | undefined, where: string): KeyRing {
  if (keys.length === 0) throw new EncryptionKeyError(`${where}: holds no key`, '');
  const currentId = current ?? keys[0]!.id;
  try {
    return new KeyRing(keys, currentId);
  } catch (err) {
    throw new EncryptionKeyError(`${where}: ${(err as Error).message}`, currentId);
  }
}

function decodeKey(text: string, id: string, where: string): Buffer {
  const key = Buffer.from(text, 'base64');
  // Buffer.from skips what is not base64: a typo would silently give another key.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.toString('base64') !== text) {
    throw new EncryptionKeyError(`${where}: key "${id}" is not valid base64`, id);
  }
  if (key.length !== DATA_KEY_BYTES) {
    throw new EncryptionKeyError(
      `${where}: key "${id}" is ${key.length} bytes; AES-256 needs exactly ${DATA_KEY_BYTES} ` +
        '(make one with: openssl rand -base64 32)',
      id,
    );
  }
  return key;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new EncryptionKeyError(`security.encryptionKeyFile ${path}: cannot be read (${code})`, '');
  }
}
