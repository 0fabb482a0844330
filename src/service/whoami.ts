import type { Principal } from '../security/principal.js';
import type { RateLimit } from '../security/rate-limit.js';
import type { RoleGrants, RoleTable } from '../security/roles.js';
import type { Access } from './access.js';

/** What the caller's roles grant, as `GET /v1/whoami` answers it. */
export interface CallerGrants {
  /** Key globs it may read (every known role's, in role order, without repeats). */
  readonly read: readonly string[];
  readonly write: readonly string[];
  /** Backup, Compact, HashKV and Status's server details. */
  readonly admin: boolean;
  /** What it may send per second (its roles' most generous rateLimit), null for no limit. */
  readonly rate_limit: { requests_per_second: number; bytes_per_second: number; burst: number } | null;
  /** The namespace (tenant) its roles bind it to, null when none: its keys are then stored under its prefix. */
  readonly namespace: string | null;
}

/** Who the caller is, how it proved it, and what it may do; with authentication off, nobody in particular. */
export type WhoAmI =
  | { readonly principal: null; readonly auth: 'off' }
  | {
      readonly principal: string;
      readonly auth: 'on';
      /** How it authenticated. */
      readonly via: Principal['via'];
      /** Every role it carries, known or not. */
      readonly roles: readonly string[];
      /** Roles it carries that this server does not define (they grant nothing). */
      readonly unknown_roles: readonly string[];
      readonly grants: CallerGrants;
    };

/**
 * The answer to "who am I" for a caller the gate admitted as `principal` (null: authentication is off),
 * from its resolved `access` (admin and rate limit: what the checks enforce) and the roles in use now.
 */
export function whoAmI(principal: Principal | null, access: Access, roles: RoleTable): WhoAmI {
  if (principal === null) return { principal: null, auth: 'off' };
  const known = principal.roles.filter((name) => roles.has(name));
  const grants = known.map((name) => roles.get(name)!);
  const union = (pick: (role: RoleGrants) => readonly string[]) => [...new Set(grants.flatMap(pick))];
  // Namespaces arrive with the roles file's `namespaces:` section; a role without one binds none.
  const namespaces = [...new Set(grants.map(namespaceName).filter((n): n is string => n !== undefined))];
  return {
    principal: principal.name,
    auth: 'on',
    via: principal.via,
    roles: [...principal.roles],
    unknown_roles: principal.roles.filter((name) => !roles.has(name)),
    grants: {
      read: union((g) => g.read),
      write: union((g) => g.write),
      admin: access.isAdmin,
      rate_limit: rateLimitJson(access.rateLimit),
      namespace: namespaces.length === 1 ? namespaces[0]! : null,
    },
  };
}

function rateLimitJson(limit: RateLimit | null): CallerGrants['rate_limit'] {
  return limit === null
    ? null
    : {
        requests_per_second: limit.requestsPerSecond,
        bytes_per_second: limit.bytesPerSecond,
        burst: limit.burstRequests,
      };
}

/** The name of the namespace a role binds to (a name, or a namespace object with one), if any. */
function namespaceName(role: RoleGrants): string | undefined {
  const ns = (role as { readonly namespace?: unknown }).namespace;
  if (typeof ns === 'string') return ns;
  const name = ns !== null && typeof ns === 'object' ? (ns as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}
