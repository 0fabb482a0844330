import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Config } from './config.js';
import type { Setting } from './setting.js';
import { SETTINGS, SETTINGS_BY_KEY, toConfig } from './settings.js';

/** A configuration value that is not allowed, or a file that cannot be read; the CLI exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Where a value came from, for --print-config. */
export type Source = 'default' | `file ${string}` | `env ${string}` | `flag ${string}`;

/** The loaded configuration and the source of each value. */
export interface LoadedConfig {
  readonly config: Config;
  readonly values: ReadonlyMap<string, unknown>;
  readonly sources: ReadonlyMap<string, Source>;
}

/** Inputs of {@link loadConfig}: later ones win (defaults < file < environment < flags). */
export interface ConfigInputs {
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Flag values by setting key (the CLI maps --grpc-listen to grpc.listen). */
  readonly flags?: ReadonlyMap<string, string>;
}

/** Builds the configuration from defaults, a YAML or JSON file, KVSTORE_* variables and flags. */
export function loadConfig(inputs: ConfigInputs = {}): LoadedConfig {
  const values = new Map<string, unknown>();
  const sources = new Map<string, Source>();
  for (const s of SETTINGS) {
    values.set(s.key, s.default);
    sources.set(s.key, 'default');
  }
  const apply = (s: Setting, raw: unknown, source: Source, shown: string) => {
    const value = s.parse(raw);
    if (value === null || value === undefined) {
      throw new ConfigError(
        `${s.key}: ${JSON.stringify(raw)} (from ${shown}) is not allowed; expected ${s.allowed}`,
      );
    }
    values.set(s.key, value);
    sources.set(s.key, source);
  };

  if (inputs.file) {
    for (const [key, raw] of Object.entries(flatten(readConfigFile(inputs.file)))) {
      const s = SETTINGS_BY_KEY.get(key);
      if (!s) throw new ConfigError(`${inputs.file}: unknown setting "${key}"${suggest(key)}`);
      apply(s, raw, `file ${inputs.file}`, inputs.file);
    }
  }
  const env = inputs.env ?? {};
  for (const s of SETTINGS) {
    const raw = env[s.env];
    if (raw !== undefined) apply(s, raw, `env ${s.env}`, `environment ${s.env}`);
  }
  for (const [key, raw] of inputs.flags ?? []) {
    const s = SETTINGS_BY_KEY.get(key);
    if (!s) throw new ConfigError(`unknown setting "${key}"`);
    apply(s, raw, `flag ${s.flag}`, s.flag);
  }
  const config = toConfig(values);
  if (config.limits.defaultListLimit > config.limits.maxListLimit) {
    throw new ConfigError(
      `limits.defaultListLimit (${config.limits.defaultListLimit}) must not exceed limits.maxListLimit (${config.limits.maxListLimit})`,
    );
  }
  const { tlsCert, tlsKey, tlsClientCa } = config.grpc;
  if ((tlsCert === '') !== (tlsKey === '')) {
    throw new ConfigError('grpc.tlsCert and grpc.tlsKey go together: set both (TLS) or neither (plaintext)');
  }
  if (tlsClientCa !== '' && tlsCert === '') {
    throw new ConfigError('grpc.tlsClientCa (mTLS) needs grpc.tlsCert and grpc.tlsKey (TLS) as well');
  }
  const http = config.http;
  if ((http.tlsCert === '') !== (http.tlsKey === '')) {
    throw new ConfigError(
      'http.tlsCert and http.tlsKey go together: set both (HTTPS) or neither (plaintext)',
    );
  }
  if (http.tlsClientCa !== '' && http.tlsCert === '') {
    throw new ConfigError('http.tlsClientCa (mTLS) needs http.tlsCert and http.tlsKey (HTTPS) as well');
  }
  if (config.log.url.scheme === 'nats' && config.nats.url !== '' && config.nats.stream === '') {
    // Every node publishes every event: only a JetStream stream (Nats-Msg-Id dedupe) makes that once.
    throw new ConfigError(
      'nats.url is set on a cluster node (log.url nats://...) without nats.stream: each node would publish ' +
        'every event to core NATS subjects, so subscribers would see each one once per node; set nats.stream ' +
        '(--nats-stream) to publish into a JetStream stream, which keeps each event exactly once',
    );
  }
  return { config, values, sources };
}

/** Renders the configuration with the source of each value (kvstore serve --print-config). */
export function formatConfig(loaded: LoadedConfig, json = false): string {
  if (json) {
    const out: Record<string, { value: unknown; source: Source }> = {};
    for (const s of SETTINGS)
      out[s.key] = { value: loaded.values.get(s.key), source: loaded.sources.get(s.key)! };
    return `${JSON.stringify(out, null, 2)}\n`;
  }
  const rows = SETTINGS.map((s) => [
    s.key,
    s.show(loaded.values.get(s.key)) || '""',
    loaded.sources.get(s.key)!,
  ]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  (${r[2]})`).join('\n')}\n`;
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `config file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  try {
    return parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(
      `config file ${path} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

/** { grpc: { listen: x } } -> { "grpc.listen": x }; a value that is itself a setting is not descended into. */
function flatten(tree: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    if (prefix === '') throw new ConfigError('config file must hold a mapping of settings');
    out[prefix] = tree;
    return out;
  }
  for (const [name, value] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (SETTINGS_BY_KEY.has(key) || value === null || typeof value !== 'object') out[key] = value;
    else flatten(value, key, out);
  }
  return out;
}

function suggest(key: string): string {
  const last = key.split('.').at(-1)!.toLowerCase();
  const near = SETTINGS.find(
    (s) => s.key.toLowerCase().endsWith(last) || s.key.split('.')[0] === key.split('.')[0],
  );
  return near ? ` (did you mean "${near.key}"?)` : '';
}
