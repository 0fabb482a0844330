import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { compilePattern } from '../keys/key-pattern.js';
import { type Namespace, parseNamespaces } from './namespaces.js';
import { parseRateLimit, type RateLimit } from './rate-limit.js';

/** What one role grants: key globs it may read and write, and whether it may make admin calls. */
export interface RoleGrants {
  /** Key globs (src/keys/key-pattern.ts): `app/**` is everything under `app/`, `**` every key. */
  readonly read: readonly string[];
  readonly write: readonly string[];
  /** Backup, Compact, HashKV, history checks and Status's server details. */
  readonly admin: boolean;
  /** Requests and bytes a second its principals may send (absent: this role sets no limit). */
  readonly rateLimit?: RateLimit;
  /** The namespace (tenant) its principals are bound to (security/namespaces.ts); absent: none. */
  readonly namespace?: Namespace;
}

/** Roles by name. */
export type RoleTable = ReadonlyMap<string, RoleGrants>;

/**
 * The roles every server knows, whatever the roles file says: `admin` may do everything (the role
 * `kvstore auth key create` gives by default), `readwrite` may read and write every key, `readonly` may read
 * every key; neither of the last two may make admin calls.
 */
export const BUILT_IN_ROLES: RoleTable = new Map<string, RoleGrants>([
  ['admin', { read: ['**'], write: ['**'], admin: true }],
  ['readwrite', { read: ['**'], write: ['**'], admin: false }],
  ['readonly', { read: ['**'], write: [], admin: false }],
]);

const ROLE_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
const ROLE_FIELDS = ['read', 'write', 'admin', 'rateLimit', 'namespace'];

/** Reads a roles file (YAML or JSON: `roles: {name: {read: [globs], write: [globs], admin: bool}}`). */
export function loadRolesFile(path: string): RoleTable {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`security.rolesFile ${path}: ${(err as Error).message}`);
  }
  return parseRoles(raw, `security.rolesFile ${path}`);
}

/** Checks role definitions and adds them to the built-in ones; `where` names the source in messages. */
export function parseRoles(raw: unknown, where: string): RoleTable {
  const table = new Map(BUILT_IN_ROLES);
  if (raw === null || raw === undefined) return table;
  // The file may also hold `namespaces:` (security/namespaces.ts), so the roles are then under `roles:`.
  const roles = isRecord(raw) && ('roles' in raw || 'namespaces' in raw) ? (raw.roles ?? {}) : raw;
  if (!isRecord(roles))
    throw new Error(`${where}: expected "roles:" mapping role names to {read, write, admin}`);
  const namespaces = parseNamespaces(isRecord(raw) ? raw.namespaces : undefined, where);
  for (const [name, definition] of Object.entries(roles)) {
    const at = `${where}: role "${name}"`;
    if (!ROLE_NAME.test(name)) throw new Error(`${at}: a role name is 1 to 64 of A-Z a-z 0-9 _ . @ -`);
    if (BUILT_IN_ROLES.has(name))
      throw new Error(`${at}: is built in (admin, readwrite, readonly); pick another name`);
    if (!isRecord(definition))
      throw new Error(`${at}: expected {read: [globs], write: [globs], admin: true|false}`);
    const unknown = Object.keys(definition).filter((k) => !ROLE_FIELDS.includes(k));
    if (unknown.length > 0)
      throw new Error(`${at}: unknown field ${unknown.join(', ')} (${ROLE_FIELDS.join(', ')})`);
    const admin = definition.admin ?? false;
    if (typeof admin !== 'boolean') throw new Error(`${at}: admin must be true or false`);
    const namespace = roleNamespace(definition.namespace, admin, namespaces, at);
    table.set(name, {
      read: globs(definition.read, `${at}: read`),
      write: globs(definition.write, `${at}: write`),
      admin,
      ...(definition.rateLimit === undefined
        ? {}
        : { rateLimit: parseRateLimit(definition.rateLimit, `${at}: rateLimit`) }),
      ...(namespace === undefined ? {} : { namespace }),
    });
  }
  return table;
}

/**
 * Throws naming the first role of `roles` that `table` does not define, or the roles that bind it to two
 * namespaces (for the keys of a keys file).
 */
export function checkRolesKnown(table: RoleTable, roles: readonly string[], who: string): void {
  const missing = roles.find((role) => !table.has(role));
  if (missing !== undefined)
    throw new Error(
      `${who}: role "${missing}" is not defined (built in: admin, readwrite, readonly; others in security.rolesFile)`,
    );
  // A principal belongs to one namespace at most: a key whose roles name two could never make a call.
  const bound = roles.filter((role) => table.get(role)?.namespace !== undefined);
  const names = new Set(bound.map((role) => table.get(role)!.namespace!.name));
  if (names.size > 1)
    throw new Error(
      `${who}: its roles bind it to ${names.size} namespaces (${bound.map((r) => `"${r}": ${table.get(r)!.namespace!.name}`).join(', ')}); a principal may belong to one namespace`,
    );
}

/** A role's `namespace:` name as the namespace it binds to; a namespaced role may not be admin. */
function roleNamespace(
  raw: unknown,
  admin: boolean,
  namespaces: ReadonlyMap<string, Namespace>,
  at: string,
): Namespace | undefined {
  if (raw === undefined) return undefined;
  const namespace = typeof raw === 'string' ? namespaces.get(raw) : undefined;
  if (namespace === undefined)
    throw new Error(`${at}: namespace ${JSON.stringify(raw)} is not defined under "namespaces:"`);
  if (admin)
    throw new Error(
      `${at}: is bound to namespace "${namespace.name}" and cannot be admin (admin calls span every namespace)`,
    );
  return namespace;
}

function globs(raw: unknown, at: string): string[] {
  if (raw === undefined || raw === null) return [];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((g) => typeof g === 'string' && g !== ''))
    throw new Error(`${at}: expected a list of key globs like "app/**"`);
  for (const glob of list as string[]) {
    try {
      compilePattern(glob);
    } catch (err) {
      throw new Error(`${at}: "${glob}" ${(err as Error).message}`);
    }
  }
  return list as string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
