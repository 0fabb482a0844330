import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { type Authenticator, type Principal, Unauthenticated } from './principal.js';

// Where the gate's types lived first; they are in principal.ts now.
export { type Authenticator, type Principal, Unauthenticated };

/** One API key as the server keeps it: never the key itself, only its SHA-256 (ADR 0006). */
export interface ApiKeyEntry {
  readonly name: string;
  /** `sha256:<64 hex digits>` of the whole key string. */
  readonly hash: string;
  readonly roles: readonly string[];
}

const KEY_PREFIX = 'kvs_';
const HASH_FORM = /^sha256:[0-9a-f]{64}$/;

/** A new random key (256 bits) and the config entry that accepts it. */
export function createApiKey(
  name: string,
  roles: readonly string[] = ['admin'],
): { key: string; entry: ApiKeyEntry } {
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name))
    throw new TypeError(`key name "${name}": use 1 to 64 of A-Z a-z 0-9 _ . @ -`);
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, entry: { name, hash: hashApiKey(key), roles } };
}

/** The stored form of `key`. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** One line of YAML for the keys file (a list entry). */
export function apiKeyLine(entry: ApiKeyEntry): string {
  return `- { name: ${entry.name}, hash: "${entry.hash}", roles: [${entry.roles.join(', ')}] }`;
}

/** Reads and checks a keys file (YAML or JSON: a list of {name, hash, roles}, or {apiKeys: [...]}). */
export function loadApiKeysFile(path: string): ApiKeyEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`security.apiKeysFile ${path}: ${(err as Error).message}`);
  }
  return parseApiKeys(raw, `security.apiKeysFile ${path}`);
}

/** Checks a list of key entries; `where` names the source in error messages. */
export function parseApiKeys(raw: unknown, where: string): ApiKeyEntry[] {
  const list =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'apiKeys' in raw
      ? (raw as { apiKeys: unknown }).apiKeys
      : raw;
  if (!Array.isArray(list)) throw new Error(`${where}: expected a list of {name, hash, roles}`);
  const names = new Set<string>();
  return list.map((item: unknown, i) => {
    const at = `${where}: entry ${i + 1}`;
    if (item === null || typeof item !== 'object') throw new Error(`${at}: expected {name, hash, roles}`);
    const { name, hash, roles } = item as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw new Error(`${at}: name is missing`);
    if (names.has(name)) throw new Error(`${at}: the name "${name}" is used twice`);
    names.add(name);
    if (typeof hash !== 'string' || !HASH_FORM.test(hash))
      throw new Error(
        `${at} (${name}): hash must be "sha256:<64 hex digits>" (kvstore auth key create prints it)`,
      );
    const roleList = roles === undefined ? [] : roles;
    if (!Array.isArray(roleList) || !roleList.every((r) => typeof r === 'string'))
      throw new Error(`${at} (${name}): roles must be a list of names`);
    return { name, hash, roles: roleList as string[] };
  });
}

/** Accepted keys remembered at most (more distinct keys than this in use: the memory starts again). */
const ACCEPTED_KEYS_KEPT = 4096;

/** Checks `authorization` values against a fixed set of API keys. */
export class ApiKeyAuthenticator implements Authenticator {
  private digests: readonly { digest: Buffer; principal: Principal }[] = [];
  /**
   * Keys already accepted, so a client sending its key on every call pays a map lookup, not a SHA-256 and a
   * compare per entry (~2-3 us of a ~60 us Get: docs/security.md#cost-of-the-gate). Only accepted keys
   * enter (a guesser cannot fill it), it is bounded, and {@link replace} empties it, so a revoked key is
   * refused at its next call. It holds keys in memory, as the JWT cache holds tokens.
   */
  private readonly acceptedKeys = new Map<string, Principal>();

  constructor(entries: readonly ApiKeyEntry[]) {
    this.replace(entries);
  }

  /**
   * Accepts exactly `entries` from now on (the keys file changed): a removed key is refused at its next
   * call. Each principal is a new object, so nothing keyed by the old ones (access caches) applies to it.
   */
  replace(entries: readonly ApiKeyEntry[]): void {
    this.acceptedKeys.clear();
    this.digests = entries.map((e) => ({
      digest: Buffer.from(e.hash.slice('sha256:'.length), 'hex'),
      principal: { name: e.name, roles: e.roles, via: 'api-key' },
    }));
  }

  /**
   * The principal of an `authorization` header value (gRPC metadata or HTTP header); throws
   * {@link Unauthenticated} saying that the credential is missing, malformed or refused, never more.
   */
  authenticate(authorization: string | undefined): Principal {
    if (authorization === undefined || authorization === '')
      throw new Unauthenticated(
        'no credentials: send "authorization: Bearer <api key>" (kvstore --api-key, KVSTORE_API_KEY)',
        'missing',
      );
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new Unauthenticated('authorization is not "Bearer <api key>"', 'malformed');
    return this.verifyKey(match[1]!);
  }

  /** The principal of a bare API key; throws {@link Unauthenticated} when no entry accepts it. */
  verifyKey(key: string): Principal {
    const known = this.acceptedKeys.get(key);
    if (known !== undefined) return known;
    const presented = createHash('sha256').update(key, 'utf8').digest();
    // Every stored digest is compared, in constant time each, so the time taken says nothing of which
    // entry (if any) matched; comparing digests, not keys, also hides the key's length.
    let found: Principal | undefined;
    for (const { digest, principal } of this.digests) {
      if (timingSafeEqual(digest, presented) && found === undefined) found = principal;
    }
    if (found === undefined)
      throw new Unauthenticated('the API key was refused (unknown or revoked)', 'unknown_key');
    if (this.acceptedKeys.size >= ACCEPTED_KEYS_KEPT) this.acceptedKeys.clear();
    this.acceptedKeys.set(key, found);
    return found;
  }
}
