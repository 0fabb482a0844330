import { principalOf } from '../api/grpc/call-principal.js';
import type { AccessOf } from '../api/grpc/unary.js';
import type { Config } from '../config/config.js';
import type { ApiKeyEntry } from '../security/api-keys.js';
import type { Principal } from '../security/principal.js';
import { BUILT_IN_ROLES, checkRolesKnown, loadRolesFile, type RoleTable } from '../security/roles.js';
import { type Access, AccessControl, NO_ACCESS, UNRESTRICTED } from '../service/access.js';
import { RateLimiter, type RateLimitKind } from '../service/rate-limiter.js';

/** How each transport learns what its caller may touch. */
export interface CallerAccess {
  /** gRPC (kvstore.v1 and the etcd API): by the metadata object the gate admitted. */
  readonly ofCall: AccessOf;
  /** HTTP: by the principal its gate admitted. */
  readonly ofPrincipal: (principal: Principal) => Access;
  /** Per-principal rate limits, shared by every transport; null when no role sets one. */
  readonly rateLimiter: RateLimiter | null;
  /** The roles (built-in and security.rolesFile), for the etcd Auth service's RoleGet/RoleList. */
  readonly roles: RoleTable;
  /**
   * Resolves principals with `roles` from now on (security.rolesFile changed): every principal's access is
   * worked out again at its next call, so a narrowed role binds at once.
   */
  useRoles(roles: RoleTable): void;
}

/** Everything, for every call: authentication is off. */
const OPEN: Omit<CallerAccess, 'roles' | 'useRoles'> = {
  ofCall: () => UNRESTRICTED,
  ofPrincipal: () => UNRESTRICTED,
  rateLimiter: null,
};

/**
 * Reads the roles (security.rolesFile beside the built-in ones) and checks that every API key names known
 * roles, so a typo stops the start rather than locking a key out. With authentication off every call may
 * do everything; with it on, a gRPC call the gate did not admit gets nothing (fail closed).
 */
export function callerAccess(
  config: Config,
  authOn: boolean,
  apiKeys: readonly ApiKeyEntry[],
  onRateLimited?: (kind: RateLimitKind) => void,
): CallerAccess {
  const roles: RoleTable = config.security.rolesFile
    ? loadRolesFile(config.security.rolesFile)
    : BUILT_IN_ROLES;
  for (const key of apiKeys) checkRolesKnown(roles, key.roles, `security.apiKeysFile: key "${key.name}"`);
  if (!authOn) return { ...OPEN, roles, useRoles() {} };
  // Replaced whole when the roles file changes (reload): its per-principal cache goes with it.
  let control = new AccessControl(roles);
  let current = roles;
  return {
    ofCall: (call) => {
      const principal = principalOf(call.metadata);
      return principal === undefined ? NO_ACCESS : control.accessOf(principal);
    },
    ofPrincipal: (principal) => control.accessOf(principal),
    // With a roles file a reload may add a rateLimit, so the limiter is there from the start.
    rateLimiter:
      config.security.rolesFile !== '' || [...roles.values()].some((role) => role.rateLimit)
        ? new RateLimiter(onRateLimited)
        : null,
    get roles() {
      return current;
    },
    useRoles(next) {
      control = new AccessControl(next);
      current = next;
    },
  };
}
