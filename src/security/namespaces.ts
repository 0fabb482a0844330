import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseBytes } from '../config/units.js';

/** What a namespace may hold; an absent field is no limit. */
export interface NamespaceQuota {
  /** Keys stored under the prefix (expired keys count until the sweeper removes them). */
  readonly keys?: number;
  /** UTF-8 bytes of the stored keys (prefix included) plus their values. */
  readonly bytes?: number;
}

/** A tenant: its keys are stored under `prefix`, and its principals see them without it. */
export interface Namespace {
  readonly name: string;
  /** Ends with "/"; no namespace's prefix starts another's. */
  readonly prefix: string;
  readonly quota: NamespaceQuota;
}

/** Namespaces by name. */
export type NamespaceTable = ReadonlyMap<string, Namespace>;

/** No namespaces: the table of a server without a roles file or without a `namespaces:` section. */
export const NO_NAMESPACES: NamespaceTable = new Map();

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// Glob characters and "\" are kept out so that a tenant's pattern is the prefix followed by its own pattern.
const PREFIX_CHARS = /^[^*\\]{1,256}\/$/u;
const FIELDS = ['prefix', 'quota'];

/** Reads the `namespaces:` section of the roles file (security.rolesFile). */
export function loadNamespacesFile(path: string): NamespaceTable {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`security.rolesFile ${path}: ${(err as Error).message}`);
  }
  return parseNamespaces(isRecord(raw) ? raw.namespaces : undefined, `security.rolesFile ${path}`);
}

/**
 * Checks `namespaces: {name: {prefix: "tenants/acme/", quota: {keys: 100, bytes: "1MiB"}}}`; the prefix
 * defaults to `ns/<name>/`. Prefixes must not nest: a key belongs to at most one namespace.
 */
export function parseNamespaces(raw: unknown, where: string): NamespaceTable {
  const table = new Map<string, Namespace>();
  if (raw === undefined || raw === null) return table;
  if (!isRecord(raw)) throw new Error(`${where}: expected "namespaces:" mapping names to {prefix, quota}`);
  for (const [name, definition] of Object.entries(raw)) {
    const at = `${where}: namespace "${name}"`;
    if (!NAME.test(name)) throw new Error(`${at}: a namespace name is 1 to 64 of A-Z a-z 0-9 _ . -`);
    const fields = definition ?? {};
    if (!isRecord(fields)) throw new Error(`${at}: expected {prefix: "tenants/${name}/", quota: {...}}`);
    const unknown = Object.keys(fields).filter((k) => !FIELDS.includes(k));
    if (unknown.length > 0) throw new Error(`${at}: unknown field ${unknown.join(', ')} (prefix, quota)`);
    const prefix = fields.prefix ?? `ns/${name}/`;
    if (typeof prefix !== 'string' || !PREFIX_CHARS.test(prefix) || prefix.includes('\0'))
      throw new Error(
        `${at}: prefix must end with "/" and hold no "*", "\\" or NUL (e.g. "tenants/${name}/")`,
      );
    for (const other of table.values()) {
      if (prefix.startsWith(other.prefix) || other.prefix.startsWith(prefix))
        throw new Error(
          `${at}: prefix "${prefix}" overlaps namespace "${other.name}"'s "${other.prefix}" (a key belongs to one namespace)`,
        );
    }
    table.set(name, { name, prefix, quota: parseQuota(fields.quota, `${at}: quota`) });
  }
  return table;
}

function parseQuota(raw: unknown, at: string): NamespaceQuota {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw new Error(`${at}: expected {keys: N, bytes: N or "1MiB"}`);
  const unknown = Object.keys(raw).filter((k) => k !== 'keys' && k !== 'bytes');
  if (unknown.length > 0) throw new Error(`${at}: unknown field ${unknown.join(', ')} (keys, bytes)`);
  const quota: { keys?: number; bytes?: number } = {};
  if (raw.keys !== undefined) {
    if (typeof raw.keys !== 'number' || !Number.isSafeInteger(raw.keys) || raw.keys < 0)
      throw new Error(`${at}.keys: expected a whole number >= 0`);
    quota.keys = raw.keys;
  }
  if (raw.bytes !== undefined) {
    const bytes = typeof raw.bytes === 'string' ? parseBytes(raw.bytes) : raw.bytes;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0)
      throw new Error(`${at}.bytes: expected a size like 1048576 or "1MiB"`);
    quota.bytes = bytes;
  }
  return quota;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
