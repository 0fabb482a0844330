import type { Principal } from './principal.js';

/** Roles by client-certificate subject CN; `*` gives the roles of every other CN. */
export type ClientCertRoles = ReadonlyMap<string, readonly string[]>;

/**
 * Principals of verified client certificates (mTLS): the subject CN is the name, the roles come from
 * security.clientCertRoles (the `*` entry for a CN it does not list; none when there is no `*`). A
 * certificate reaches here only once the TLS handshake verified it against the client CA.
 */
export class ClientCertPrincipals {
  // One object per CN: whoever keys anything by principal (the lead's access cache) sees a stable identity.
  private readonly principals = new Map<string, Principal>();

  constructor(private readonly roles: ClientCertRoles) {}

  /** The principal of a verified certificate whose subject CN is `cn`. */
  principal(cn: string): Principal {
    let principal = this.principals.get(cn);
    if (principal === undefined) {
      principal = { name: cn, roles: this.roles.get(cn) ?? this.roles.get('*') ?? [], via: 'client-cert' };
      if (this.principals.size < 10_000) this.principals.set(cn, principal);
    }
    return principal;
  }
}

/**
 * Parses security.clientCertRoles: a mapping {CN: [roles]} from a config file, or the flag/env form
 * `CN=role,role;CN=role;*=role`. Null when it is neither.
 */
export function parseClientCertRoles(raw: unknown): ClientCertRoles | null {
  const map = new Map<string, readonly string[]>();
  if (typeof raw === 'string') {
    for (const part of raw.split(';')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq <= 0) return null;
      const roles = part
        .slice(eq + 1)
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== '');
      map.set(part.slice(0, eq).trim(), roles);
    }
    return map;
  }
  if (raw instanceof Map) return raw as ClientCertRoles;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  for (const [cn, roles] of Object.entries(raw)) {
    const list = typeof roles === 'string' ? [roles] : roles;
    if (!Array.isArray(list) || !list.every((r) => typeof r === 'string')) return null;
    map.set(cn, list as string[]);
  }
  return map;
}

/** The flag/env form of a mapping (for --print-config). */
export function showClientCertRoles(value: unknown): string {
  const map = value as ClientCertRoles;
  return [...map].map(([cn, roles]) => `${cn}=${roles.join(',')}`).join(';');
}
