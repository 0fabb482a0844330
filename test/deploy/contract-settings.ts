import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { type LoadedConfig, loadConfig } from '../../src/config/load.js';
import type { Setting } from '../../src/config/setting.js';
import { SETTINGS, SETTINGS_BY_KEY } from '../../src/config/settings.js';
import { tempDir } from '../helpers/temp-dir.js';

/*
 * The deploy files of the cluster (issue 11) use settings that the backend being written next to them adds:
 * `log.url`. Until src/config/settings.ts defines a setting, the deploy tests check its values against the
 * contract stated here; from the moment it does, against the code's own parser (and its flag and environment
 * names must be the contract's). Delete a contract entry once the code has it.
 */

/** One NATS server of a log URL. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `log.url` taken apart: `sqlite:` or `nats://host:port[,host:port...]/STREAM[?replicas=N]`. */
export type LogUrl =
  | { readonly scheme: 'sqlite' }
  | {
      readonly scheme: 'nats';
      readonly servers: readonly HostPort[];
      readonly stream: string;
      readonly replicas: number;
    };

const NATS_LOG_URL = /^nats:\/\/([^/\s?]+)\/([A-Za-z0-9_-]+)(?:\?replicas=([1-5]))?$/;

/** Parses a `log.url` as the contract defines it; null when it is not one. */
export function parseLogUrl(raw: string): LogUrl | null {
  if (raw === 'sqlite:') return { scheme: 'sqlite' };
  const m = NATS_LOG_URL.exec(raw);
  if (!m) return null;
  const servers: HostPort[] = [];
  for (const part of m[1]!.split(',')) {
    const hp = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(part);
    if (!hp || Number(hp[2]) > 65535) return null;
    servers.push({ host: hp[1]!, port: Number(hp[2]) });
  }
  return { scheme: 'nats', servers, stream: m[2]!, replicas: Number(m[3] ?? 1) };
}

/** The settings of the issue 11 contract, as src/config/settings.ts would declare them. */
export const CONTRACT_SETTINGS: readonly Setting[] = [
  {
    key: 'log.url',
    flag: '--log-url',
    env: 'KVSTORE_LOG_URL',
    default: 'sqlite:',
    description: 'where the log lives: sqlite: (<data.dir>/log.sqlite) or a JetStream stream',
    allowed: 'sqlite: or nats://HOST:PORT[,HOST:PORT...]/STREAM[?replicas=N]',
    parse: (raw) => (typeof raw === 'string' && parseLogUrl(raw) ? raw : null),
    show: String,
  },
];

/** Contract settings the code does not define yet (checked against the contract instead). */
export const PENDING_SETTINGS = CONTRACT_SETTINGS.filter((s) => !SETTINGS_BY_KEY.has(s.key));

/** Every setting a deploy file may name: the code's, and the contract's that the code lacks so far. */
export const DEPLOY_SETTINGS_BY_ENV: ReadonlyMap<string, Setting> = new Map(
  [...SETTINGS, ...PENDING_SETTINGS].map((s) => [s.env, s]),
);

/** A configuration file loaded as the server would load it, with the raw values the file gave. */
export interface LoadedFile {
  readonly loaded: LoadedConfig;
  /** The file's values of the contract settings by key, as written (before parsing). */
  readonly raw: ReadonlyMap<string, unknown>;
}

/**
 * Loads a configuration file's text through kvstore's own loader (which throws, naming the setting, on
 * anything it does not accept). Pending contract settings are checked by the contract and taken out first,
 * because the loader refuses keys it does not know.
 */
export async function loadConfigText(text: string): Promise<LoadedFile> {
  const tree = (parse(text) ?? {}) as Record<string, unknown>;
  const raw = new Map<string, unknown>();
  for (const s of CONTRACT_SETTINGS) {
    const path = s.key.split('.');
    const parent = path
      .slice(0, -1)
      .reduce<Record<string, unknown> | undefined>(
        (node, name) => node?.[name] as Record<string, unknown> | undefined,
        tree,
      );
    const leaf = path.at(-1)!;
    if (!parent || !(leaf in parent)) continue;
    raw.set(s.key, parent[leaf]);
    if (!PENDING_SETTINGS.includes(s)) continue;
    if (s.parse(parent[leaf]) === null)
      throw new Error(`${s.key}: ${String(parent[leaf])} is not ${s.allowed}`);
    delete parent[leaf];
  }
  const file = join(await tempDir(), 'kvstore.yaml');
  writeFileSync(file, stringify(tree));
  return { loaded: loadConfig({ file, env: {} }), raw };
}
