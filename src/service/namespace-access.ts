import type { KeySelector } from '../security/key-grants.js';
import type { Namespace } from '../security/namespaces.js';
import type { Principal } from '../security/principal.js';
import type { RoleTable } from '../security/roles.js';
import type { Access, KeyPermission } from './access.js';
import { ServiceError } from './errors.js';
import { NamespaceKeys } from './namespace-keys.js';

/**
 * The access of a principal bound to a namespace. The operations check stored keys (the namespace prefix
 * in front); its roles grant globs on the tenant's own key names, so each check takes the prefix off first,
 * and anything outside the prefix is refused whatever the roles say. Admin calls are always refused: they
 * span every tenant.
 */
export class NamespacedAccess implements Access {
  readonly isAdmin = false;

  constructor(
    private readonly inner: Access,
    readonly namespace: NamespaceKeys,
  ) {}

  get principal(): string {
    return this.inner.principal;
  }

  get rateLimit() {
    return this.inner.rateLimit;
  }

  checkKey(permission: KeyPermission, key: string): void {
    if (!key.startsWith(this.namespace.prefix)) throw this.outside(permission, `key "${key}"`);
    this.inner.checkKey(permission, key.slice(this.namespace.prefix.length));
  }

  checkSelector(permission: KeyPermission, selector: KeySelector): void {
    const own = this.namespace.tenantSelector(selector);
    if (own === null) throw this.outside(permission, 'keys outside its namespace');
    this.inner.checkSelector(permission, own);
  }

  checkAdmin(call: string): void {
    throw new ServiceError(
      'PERMISSION_DENIED',
      `principal "${this.principal}" may not call ${call}: it is bound to namespace "${this.namespace.namespace.name}", and admin calls span every namespace`,
      { principal: this.principal, permission: 'admin', call },
    );
  }

  private outside(permission: KeyPermission, what: string): ServiceError {
    return new ServiceError(
      'PERMISSION_DENIED',
      `principal "${this.principal}" may not ${permission} ${what}: it is bound to namespace "${this.namespace.namespace.name}"`,
      { principal: this.principal, permission, keys: what },
    );
  }
}

/**
 * The namespace a principal's roles bind it to: undefined for none; a {@link ServiceError} when they name
 * two (a principal belongs to one tenant; the message names both and the roles that bind them).
 */
export function namespaceOf(
  principal: Principal,
  roles: RoleTable,
): NamespaceKeys | ServiceError | undefined {
  let bound: { namespace: Namespace; role: string } | undefined;
  for (const name of principal.roles) {
    const namespace = roles.get(name)?.namespace;
    if (namespace === undefined) continue;
    if (bound !== undefined && bound.namespace.name !== namespace.name) {
      return new ServiceError(
        'PERMISSION_DENIED',
        `principal "${principal.name}" is bound to two namespaces, "${bound.namespace.name}" (role "${bound.role}") and "${namespace.name}" (role "${name}"); a principal may belong to one namespace`,
        { principal: principal.name },
      );
    }
    bound ??= { namespace, role: name };
  }
  return bound === undefined ? undefined : new NamespaceKeys(bound.namespace);
}

/** The access of a principal whose roles bind it to two namespaces: refused, each call naming both. */
export function conflictingAccess(principal: string, error: ServiceError): Access {
  const refuse = (): never => {
    throw error;
  };
  return {
    principal,
    isAdmin: false,
    rateLimit: null,
    checkKey: refuse,
    checkSelector: refuse,
    checkAdmin: refuse,
  };
}
