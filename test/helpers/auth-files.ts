import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiKeyLine, createApiKey } from '../../src/security/api-keys.js';

/**
 * Writes `keys.yaml` in `dir` with one new API key per [name, roles] (and `roles.yaml` when `roles` is
 * given); returns the keys by name and the server flags that use the files.
 */
export async function authFiles(
  dir: string,
  principals: readonly (readonly [string, readonly string[]])[],
  roles?: string,
): Promise<{ keys: Record<string, string>; flags: string[] }> {
  const keys: Record<string, string> = {};
  const lines = principals.map(([name, granted]) => {
    const { key, entry } = createApiKey(name, granted);
    keys[name] = key;
    return apiKeyLine(entry);
  });
  await writeFile(join(dir, 'keys.yaml'), `${lines.join('\n')}\n`);
  const flags = ['--security-api-keys-file', join(dir, 'keys.yaml')];
  if (roles !== undefined) {
    await writeFile(join(dir, 'roles.yaml'), roles);
    flags.push('--security-roles-file', join(dir, 'roles.yaml'));
  }
  return { keys, flags };
}
