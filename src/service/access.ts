import { describeSpan } from '../keys/key-order.js';
import { KeyGrants, type KeySelector } from '../security/key-grants.js';
import type { Principal } from '../security/principal.js';
import { combineRateLimits, type RateLimit } from '../security/rate-limit.js';
import type { RoleTable } from '../security/roles.js';
import type { TxnRequest } from '../store/txn.js';
import { ServiceError } from './errors.js';
import { conflictingAccess, NamespacedAccess, namespaceOf } from './namespace-access.js';
import type { NamespaceKeys } from './namespace-keys.js';

/** A permission on keys. */
export type KeyPermission = 'read' | 'write';

/**
 * What one caller may touch: every operation of the service layer takes one and checks it before it reads
 * or writes (so gRPC, the etcd API and HTTP check the same rule). Each check throws PERMISSION_DENIED
 * naming the principal, the permission and the key or range.
 */
export interface Access {
  /** Who is asking ("" when authentication is off). */
  readonly principal: string;
  /** True when the caller may make admin calls and see Status's server details. */
  readonly isAdmin: boolean;
  /** What the caller may send per second (its roles' rateLimit), null for no limit. */
  readonly rateLimit: RateLimit | null;
  /**
   * Set for a principal bound to a namespace: the operations store its keys under the namespace prefix
   * and answer them without it; the checks below then take stored keys.
   */
  readonly namespace?: NamespaceKeys;
  checkKey(permission: KeyPermission, key: string): void;
  /** The whole selector must be granted: a prefix watch needs read on every key under the prefix. */
  checkSelector(permission: KeyPermission, selector: KeySelector): void;
  /** `call` names what was asked, for the message (e.g. "Backup"). */
  checkAdmin(call: string): void;
}

/** The access of every call when authentication is off: everything. */
export const UNRESTRICTED: Access = {
  principal: '',
  isAdmin: true,
  rateLimit: null,
  checkKey() {},
  checkSelector() {},
  checkAdmin() {},
};

/** The access of a call whose principal is unknown although authentication is on: nothing (fail closed). */
export const NO_ACCESS: Access = {
  principal: '(unauthenticated)',
  isAdmin: false,
  rateLimit: null,
  checkKey(permission, key) {
    throw denied(this.principal, permission, `key "${key}"`);
  },
  checkSelector(permission, selector) {
    throw denied(this.principal, permission, describeSelector(selector));
  },
  checkAdmin(call) {
    throw denied(this.principal, 'admin', call);
  },
};

/** Checks every key a transaction touches: compares and gets read, sets and deletes write. */
export function checkTxnAccess(access: Access, request: TxnRequest): void {
  if (access === UNRESTRICTED) return;
  for (const compare of request.compares) {
    if (compare.span) access.checkSelector('read', compare.span);
    else access.checkKey('read', compare.key);
  }
  for (const ops of [request.success, request.failure]) {
    for (const op of ops) {
      switch (op.type) {
        case 'txn':
          checkTxnAccess(access, op.request);
          break;
        case 'get':
          access.checkKey('read', op.key);
          break;
        case 'range':
          access.checkSelector('read', op.span);
          break;
        case 'set':
        case 'delete':
          access.checkKey('write', op.key);
          break;
        case 'deleteRange':
          access.checkSelector('write', op.span);
          if (op.prevKv) access.checkSelector('read', op.span);
          break;
      }
    }
  }
}

/** Resolves principals to their access from the role table; one {@link Access} per principal, kept. */
export class AccessControl {
  private readonly resolved = new WeakMap<Principal, Access>();

  constructor(private readonly roles: RoleTable) {}

  accessOf(principal: Principal): Access {
    let access = this.resolved.get(principal);
    if (access === undefined) {
      access = this.resolve(principal);
      this.resolved.set(principal, access);
    }
    return access;
  }

  private resolve(principal: Principal): Access {
    const namespace = namespaceOf(principal, this.roles);
    if (namespace instanceof ServiceError) return conflictingAccess(principal.name, namespace);
    const access = this.resolveRoles(principal);
    return namespace === undefined ? access : new NamespacedAccess(access, namespace);
  }

  private resolveRoles(principal: Principal): Access {
    const read: string[] = [];
    const write: string[] = [];
    const limits: RateLimit[] = [];
    let admin = false;
    // A role the table does not know grants nothing (a token may carry roles meant for other services).
    for (const name of principal.roles) {
      const role = this.roles.get(name);
      if (role === undefined) continue;
      read.push(...role.read);
      write.push(...role.write);
      admin ||= role.admin;
      if (role.rateLimit) limits.push(role.rateLimit);
    }
    return new RoleAccess(
      principal.name,
      new KeyGrants(read),
      new KeyGrants(write),
      admin,
      combineRateLimits(limits),
    );
  }
}

/** The access a principal's roles grant. */
class RoleAccess implements Access {
  private readonly readsAll: boolean;
  private readonly writesAll: boolean;

  constructor(
    readonly principal: string,
    private readonly reads: KeyGrants,
    private readonly writes: KeyGrants,
    readonly isAdmin: boolean,
    readonly rateLimit: RateLimit | null,
  ) {
    this.readsAll = reads.everything;
    this.writesAll = writes.everything;
  }

  checkKey(permission: KeyPermission, key: string): void {
    if (permission === 'read' ? this.readsAll : this.writesAll) return;
    if (!this.grants(permission).covers({ kind: 'key', key }))
      throw denied(this.principal, permission, `key "${key}"`);
  }

  checkSelector(permission: KeyPermission, selector: KeySelector): void {
    if (permission === 'read' ? this.readsAll : this.writesAll) return;
    if (!this.grants(permission).covers(selector))
      throw denied(this.principal, permission, describeSelector(selector));
  }

  checkAdmin(call: string): void {
    if (!this.isAdmin) throw denied(this.principal, 'admin', call);
  }

  private grants(permission: KeyPermission): KeyGrants {
    return permission === 'read' ? this.reads : this.writes;
  }
}

function describeSelector(selector: KeySelector): string {
  return selector.kind === 'key' ? `key "${selector.key}"` : describeSpan(selector);
}

function denied(principal: string, permission: KeyPermission | 'admin', what: string): ServiceError {
  const message =
    permission === 'admin'
      ? `principal "${principal}" may not call ${what}: it needs a role with admin`
      : `principal "${principal}" may not ${permission} ${what}` +
        (what.startsWith('key') ? '' : ` (${permission} must be granted on all of it, e.g. "prefix/**")`);
  return new ServiceError('PERMISSION_DENIED', message, {
    principal,
    permission,
    [permission === 'admin' ? 'call' : 'keys']: what,
  });
}
