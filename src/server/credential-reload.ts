import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { type ApiKeyAuthenticator, type ApiKeyEntry, loadApiKeysFile } from '../security/api-keys.js';
import { FileSetWatch } from '../security/file-set-watch.js';
import { type JwtAuthenticator, type JwtKeys, jwtKeyFiles, loadJwtKeys } from '../security/jwt.js';
import { loadNamespacesFile } from '../security/namespaces.js';
import type { RemoteJwks } from '../security/remote-jwks.js';
import { checkRolesKnown, loadRolesFile, type RoleTable } from '../security/roles.js';
import type { CallerAccess } from './caller-access.js';

/** What a reload replaces: the keys the gate accepts, the roles, the JWT keys. */
export interface ReloadTargets {
  readonly apiKeys: ApiKeyAuthenticator | null;
  readonly jwt: JwtAuthenticator | null;
  readonly remoteJwks: RemoteJwks | null;
  readonly access: CallerAccess;
  /** The keys file's entries in use (the etcd Auth service's users); replaced on reload. */
  readonly keys: { current: readonly ApiKeyEntry[] };
}

/** The credential files of a configuration (keys, roles, JWT keys): the ones a reload looks at. */
export function credentialFiles(config: Config): string[] {
  const s = config.security;
  return [s.apiKeysFile, s.rolesFile, ...jwtKeyFiles(s)].filter((f) => f !== '');
}

/**
 * Opens the watch of the credential files (before they are read for the start, so that an edit made
 * while the server starts is taken at the first look). {@link startCredentialReload} gives it its work.
 */
export async function openCredentialWatch(
  config: Config,
  take: (changed: ReadonlySet<string>) => Promise<ReadonlySet<string>>,
): Promise<FileSetWatch> {
  return FileSetWatch.open(credentialFiles(config), take);
}

/**
 * Takes changed credential files, each only when it parses and fits the others (every key names known
 * roles): a revoked key is refused from the next call, a narrowed role binds at once, a bad edit is
 * logged (warn, once per problem) and the previous contents stay. Files are independent: a broken roles
 * file does not hold back a key revocation. Logs `credentials reloaded` naming the files it took.
 */
export function credentialReloader(
  config: Config,
  targets: ReadonlyTargetsRef,
  logger: Logger,
  /** Hears of each look that took files or refused one (the metric kvstore_credential_reloads_total). */
  onResult: (result: 'taken' | 'kept') => void = () => {},
): (changed: ReadonlySet<string>) => Promise<ReadonlySet<string>> {
  const s = config.security;
  // Namespaces' prefixes and quotas are set up at start (src/server/namespace-setup.ts): a roles file
  // whose namespaces: section differs is not taken until a restart (a tenant's keys must not move).
  const startNamespaces = namespacesOf(s.rolesFile);
  const warned = new Set<string>();
  let refused = false;
  const warn = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    refused = true;
    logger.warn(`${message}; the previous contents stay until the file is fixed`);
  };
  return async (changed) => {
    const t = targets.current;
    if (t === null) return new Set();
    refused = false;
    const used = new Set<string>();
    const oldRoles = t.access.roles;
    const oldKeys = t.keys.current;
    let roles: RoleTable | null = null;
    if (changed.has(s.rolesFile))
      roles = attempt(() => {
        const table = loadRolesFile(s.rolesFile);
        if (namespacesOf(s.rolesFile) !== startNamespaces)
          throw new Error(
            `security.rolesFile ${s.rolesFile}: its namespaces: section changed; namespaces' prefixes and quotas are read at start, so restart the server to apply it`,
          );
        return table;
      }, warn);
    let keys: readonly ApiKeyEntry[] | null = null;
    if (changed.has(s.apiKeysFile)) keys = attempt(() => loadApiKeysFile(s.apiKeysFile), warn);
    // The first pair that fits: both new, new roles with the old keys, new keys with the old roles.
    const pairs: [readonly ApiKeyEntry[] | null, RoleTable | null][] = [
      [keys, roles],
      [null, roles],
      [keys, null],
    ];
    let chosen: [readonly ApiKeyEntry[] | null, RoleTable | null] = [null, null];
    for (const [k, r] of pairs) {
      if (k === null && r === null) continue;
      const problem = misfit(k ?? oldKeys, r ?? oldRoles);
      if (problem === null) {
        chosen = [k, r];
        break;
      }
      warn(problem);
    }
    const [newKeys, newRoles] = chosen;
    if (newRoles !== null) {
      t.access.useRoles(newRoles);
      used.add(s.rolesFile);
    }
    if (newKeys !== null) {
      t.apiKeys?.replace(newKeys);
      t.keys.current = newKeys;
      used.add(s.apiKeysFile);
    }
    const jwtFiles = jwtKeyFiles(s).filter((f) => changed.has(f));
    if (jwtFiles.length > 0 && t.jwt !== null) {
      let jwtKeys: JwtKeys | null = null;
      try {
        jwtKeys = await loadJwtKeys(s, t.remoteJwks);
      } catch (err) {
        warn((err as Error).message);
      }
      if (jwtKeys !== null) {
        t.jwt.useKeys(jwtKeys);
        for (const f of jwtFiles) used.add(f);
      }
    }
    // Counted once per problem, as it is logged (a bad file is looked at again at every interval).
    if (refused) onResult('kept');
    if (used.size > 0) {
      onResult('taken');
      warned.clear();
      logger.info(
        { files: [...used], keys: t.keys.current.length, roles: t.access.roles.size },
        'credentials reloaded',
      );
    }
    return used;
  };
}

/** Where the reload finds its targets: set once the server has built them (null before). */
export interface ReadonlyTargetsRef {
  current: ReloadTargets | null;
}

/** The namespaces a roles file defines, as comparable text ('' when there is no file or it does not parse). */
function namespacesOf(rolesFile: string): string {
  if (rolesFile === '') return '';
  try {
    return JSON.stringify([...loadNamespacesFile(rolesFile)]);
  } catch {
    return '';
  }
}

function attempt<T>(load: () => T, warn: (message: string) => void): T | null {
  try {
    return load();
  } catch (err) {
    warn(`${(err as Error).message}`);
    return null;
  }
}

/** Why `keys` do not fit `roles` (a key names a role not defined), or null. */
function misfit(keys: readonly ApiKeyEntry[], roles: RoleTable): string | null {
  try {
    for (const key of keys) checkRolesKnown(roles, key.roles, `security.apiKeysFile: key "${key.name}"`);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
