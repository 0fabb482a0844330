import { compilePattern } from '../keys/key-pattern.js';
import type { ApiKeyEntry } from '../security/api-keys.js';
import { type Authenticator, Unauthenticated } from '../security/principal.js';
import type { RoleTable } from '../security/roles.js';
import type { Access } from './access.js';
import { ServiceError } from './errors.js';
import { prefixEnd } from './etcd-operations.js';

/*
 * etcd's Auth service over kvstore's security model (docs/security.md): an etcd user is an API key (its
 * name; its password is the key itself), an etcd role is a kvstore role, its permissions the role's key
 * globs. Users and roles are managed in security.apiKeysFile / security.rolesFile, so every method that
 * would change them answers FAILED_PRECONDITION saying so.
 */

/** etcd's auth error strings (its clients recognise errors by these messages). */
export const ETCD_AUTH_ERRORS = {
  notEnabled: 'etcdserver: authentication is not enabled',
  failed: 'etcdserver: authentication failed, invalid user ID or password',
  permissionDenied: 'etcdserver: permission denied',
  userEmpty: 'etcdserver: user name is empty',
  invalidToken: 'etcdserver: invalid auth token',
  userNotFound: 'etcdserver: user name not found',
  roleNotFound: 'etcdserver: role name not found',
} as const;

/** An etcd key permission (authpb.Permission). */
export interface EtcdPermission {
  readonly permType: 'READ' | 'WRITE' | 'READWRITE';
  readonly key: Buffer;
  readonly range_end: Buffer;
}

/** What the Auth service answers from. */
export interface EtcdAuthSources {
  /** The keys file's entries (none without security.apiKeysFile). */
  readonly keys: readonly ApiKeyEntry[];
  readonly roles: RoleTable;
  /** The gate's authenticator; null when authentication is off. */
  readonly authenticator: Authenticator | null;
}

const ALL_KEYS = Buffer.from([0]);

/** etcd's Auth service, read-only over the keys file and the roles. */
export class EtcdAuthOperations {
  constructor(private readonly sources: EtcdAuthSources) {}

  get enabled(): boolean {
    return this.sources.authenticator !== null;
  }

  /**
   * Authenticate(name, password): the password is a credential the gate accepts (an API key, or a JWT)
   * whose principal is `name`. The token is that credential: etcd clients send it back as `token`
   * metadata, which the gate checks as it checks `authorization` (and strips before any handler).
   */
  async authenticate(name: string, password: string): Promise<string> {
    const gate = this.sources.authenticator;
    if (gate === null) throw new ServiceError('FAILED_PRECONDITION', ETCD_AUTH_ERRORS.notEnabled);
    if (name === '') throw new ServiceError('INVALID_ARGUMENT', ETCD_AUTH_ERRORS.userEmpty);
    const bearer = `Bearer ${password}`;
    try {
      // A JWT is verified first (a refusal is remembered, and authenticate below says so).
      await gate.prepare?.(bearer)?.catch(() => undefined);
      if (password !== '' && !/\s/.test(password) && gate.authenticate(bearer).name === name) return password;
    } catch (err) {
      if (!(err instanceof Unauthenticated)) throw err;
    }
    throw new ServiceError('INVALID_ARGUMENT', ETCD_AUTH_ERRORS.failed);
  }

  userList(access: Access): string[] {
    this.checkAdmin(access);
    return this.sources.keys.map((k) => k.name).sort();
  }

  /** A user's roles: the caller's own, or any user's for an admin. */
  userGet(name: string, access: Access): string[] {
    if (access.principal !== name) this.checkAdmin(access);
    const entry = this.sources.keys.find((k) => k.name === name);
    if (entry === undefined) throw new ServiceError('FAILED_PRECONDITION', ETCD_AUTH_ERRORS.userNotFound);
    return [...entry.roles];
  }

  roleList(access: Access): string[] {
    this.checkAdmin(access);
    return [...this.sources.roles.keys()].sort();
  }

  /** A role's key permissions: a role the caller holds, or any role for an admin. */
  roleGet(role: string, access: Access): EtcdPermission[] {
    const own = this.sources.keys.find((k) => k.name === access.principal)?.roles ?? [];
    if (!own.includes(role)) this.checkAdmin(access);
    const grants = this.sources.roles.get(role);
    if (grants === undefined) throw new ServiceError('FAILED_PRECONDITION', ETCD_AUTH_ERRORS.roleNotFound);
    const globs = [...new Set([...grants.read, ...grants.write])];
    return globs.map((glob) => ({
      permType:
        grants.read.includes(glob) && grants.write.includes(glob)
          ? 'READWRITE'
          : grants.read.includes(glob)
            ? 'READ'
            : 'WRITE',
      ...globRange(glob),
    }));
  }

  /** What every method that would change users, roles or whether auth is on answers. */
  readOnly(what: string): never {
    throw new ServiceError(
      'FAILED_PRECONDITION',
      `etcdserver: ${what} is not done through the etcd API on kvstore: users are API keys in ` +
        'security.apiKeysFile (kvstore auth key create), roles are defined in security.rolesFile, and ' +
        'authentication is on when either (or security.jwt*) is set; see docs/security.md',
    );
  }

  private checkAdmin(access: Access): void {
    if (!access.isAdmin) throw new ServiceError('PERMISSION_DENIED', ETCD_AUTH_ERRORS.permissionDenied);
  }
}

/**
 * A key glob as etcd's key range: `**` every key, `p/**` the prefix p/, a glob without wildcards that key;
 * any other glob the prefix range of its literal part (a superset of what it grants: etcd has no globs).
 */
function globRange(glob: string): { key: Buffer; range_end: Buffer } {
  const { prefix } = compilePattern(glob);
  if (prefix === glob) return { key: Buffer.from(glob), range_end: Buffer.alloc(0) };
  if (prefix === '') return { key: ALL_KEYS, range_end: ALL_KEYS };
  const key = Buffer.from(prefix);
  return { key, range_end: prefixEnd(key) ?? ALL_KEYS };
}
