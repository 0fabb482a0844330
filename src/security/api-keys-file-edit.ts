import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { type ApiKeyEntry, apiKeyLine, parseApiKeys } from './api-keys.js';

/**
 * Removes the entry named `name` from a keys file (security.apiKeysFile) in place, keeping every other line
 * as it is (comments included): the file is written aside and renamed over the old one, so a server reading
 * it (security.reloadInterval) sees the old file or the new one, never half of one. Only the one-line form
 * `kvstore auth key create` prints (`- { name: NAME, ... }`) is edited; anything else is refused with a
 * message saying to edit by hand. Resolves with the entries left.
 */
export async function revokeApiKey(path: string, name: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const before = parseApiKeys(parseYaml(text), path);
  if (!before.some((e) => e.name === name)) throw new Error(`${path} has no key named "${name}"`);
  const line = new RegExp(`^\\s*-\\s*\\{\\s*name:\\s*["']?${escapeRegExp(name)}["']?\\s*,.*\\}\\s*$`);
  const lines = text.split('\n');
  const kept = lines.filter((l) => !line.test(l));
  if (lines.length - kept.length !== 1)
    throw new Error(
      `${path}: the key "${name}" is not on one line of its own (- { name: ${name}, hash: ..., roles: [...] }); remove it by hand`,
    );
  const next = kept.join('\n');
  const after = parseApiKeys(parseYaml(next) ?? [], path);
  if (after.some((e) => e.name === name) || after.length !== before.length - 1)
    throw new Error(`${path}: removing the line of "${name}" would change other keys; remove it by hand`);
  const aside = `${path}.kvstore-${process.pid}.tmp`;
  await writeFile(aside, next, { mode: (await stat(path)).mode & 0o777 });
  await rename(aside, path);
  return after.length;
}

/**
 * Appends `entry` as one line to a keys file (created, mode 0600, when missing), refusing a name the file
 * has already; replaced whole like {@link revokeApiKey}. Resolves with the number of entries.
 */
export async function addApiKey(path: string, entry: ApiKeyEntry): Promise<number> {
  let text = '';
  let mode = 0o600;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const before = parseApiKeys(parseYaml(text) ?? [], path);
  if (before.some((e) => e.name === entry.name))
    throw new Error(`${path} has a key named "${entry.name}" already: revoke it first, or pick another name`);
  const next = `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${apiKeyLine(entry)}\n`;
  const after = parseApiKeys(parseYaml(next), path);
  if (after.length !== before.length + 1)
    throw new Error(`${path}: the file is not a plain list of keys; add the line by hand`);
  const aside = `${path}.kvstore-${process.pid}.tmp`;
  await writeFile(aside, next, { mode });
  await rename(aside, path);
  return after.length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
