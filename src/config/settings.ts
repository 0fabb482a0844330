import type { Config } from './config.js';
import type { Setting } from './setting.js';
import { NATS_SETTINGS, natsConfig } from './settings-nats.js';
import { OPERATIONS_SETTINGS, operationsConfig } from './settings-operations.js';
import { SECURITY_SETTINGS, securityConfig } from './settings-security.js';
import { SERVING_SETTINGS, servingConfig } from './settings-serving.js';
import { STORAGE_SETTINGS, storageConfig } from './settings-storage.js';

/** Every setting, in the order --print-config and the docs show them. */
export const SETTINGS: readonly Setting[] = [
  ...SERVING_SETTINGS,
  ...STORAGE_SETTINGS,
  ...NATS_SETTINGS,
  ...OPERATIONS_SETTINGS,
  ...SECURITY_SETTINGS,
];

/** The settings as a map by key. */
export const SETTINGS_BY_KEY: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.key, s]));

/** The typed configuration from parsed values by setting key (durations land in the `...Ms` fields). */
export function toConfig(values: ReadonlyMap<string, unknown>): Config {
  const v = (key: string) => values.get(key);
  return {
    ...servingConfig(v),
    ...storageConfig(v),
    ...natsConfig(v),
    ...operationsConfig(v),
    ...securityConfig(v),
  };
}
