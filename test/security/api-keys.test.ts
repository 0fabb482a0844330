import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  ApiKeyAuthenticator,
  apiKeyLine,
  createApiKey,
  hashApiKey,
  parseApiKeys,
  Unauthenticated,
} from '../../src/security/api-keys.js';
import { startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('API keys', () => {
  it('a created key is accepted through the line printed for it, and only its hash is in that line', () => {
    const { key, entry } = createApiKey('ci', ['reader']);
    expect(key).toMatch(/^kvs_[A-Za-z0-9_-]{43}$/);
    const line = apiKeyLine(entry);
    expect(line).not.toContain(key);
    const entries = parseApiKeys(parseYaml(line), 'test');
    expect(entries).toEqual([{ name: 'ci', hash: hashApiKey(key), roles: ['reader'] }]);
    const auth = new ApiKeyAuthenticator(entries);
    expect(auth.authenticate(`Bearer ${key}`)).toEqual({ name: 'ci', roles: ['reader'], via: 'api-key' });
    expect(auth.authenticate(`bearer  ${key}`).name).toBe('ci');
  });

  it('finds the right principal among several, and says only missing / malformed / refused', () => {
    const a = createApiKey('a');
    const b = createApiKey('b');
    const auth = new ApiKeyAuthenticator([a.entry, b.entry]);
    expect(auth.authenticate(`Bearer ${b.key}`).name).toBe('b');
    const message = (value: string | undefined) => {
      try {
        auth.authenticate(value);
        return 'accepted';
      } catch (err) {
        expect(err).toBeInstanceOf(Unauthenticated);
        return (err as Error).message;
      }
    };
    expect(message(undefined)).toMatch(/^no credentials/);
    expect(message('')).toMatch(/^no credentials/);
    expect(message(a.key)).toBe('authorization is not "Bearer <api key>"');
    expect(message(`Basic ${a.key}`)).toBe('authorization is not "Bearer <api key>"');
    // A near miss and a stranger get the same words: nothing says how close a guess was.
    // The last character changed (to one it is not: a key ending in "A" made "A" no near miss at all).
    const nearMiss = a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A');
    expect(message(`Bearer ${nearMiss}`)).toBe('the API key was refused (unknown or revoked)');
    expect(message('Bearer kvs_x')).toBe('the API key was refused (unknown or revoked)');
  });

  it('a key accepted before is refused at its next call once the keys are replaced without it', () => {
    const a = createApiKey('a');
    const b = createApiKey('b', ['readonly']);
    const auth = new ApiKeyAuthenticator([a.entry, b.entry]);
    // Accepted twice: the second time from the memory of accepted keys.
    expect(auth.verifyKey(a.key).name).toBe('a');
    expect(auth.verifyKey(a.key).name).toBe('a');
    expect(auth.verifyKey(b.key).roles).toEqual(['readonly']);
    auth.replace([{ ...b.entry, roles: ['readwrite'] }]);
    expect(() => auth.verifyKey(a.key)).toThrow('the API key was refused (unknown or revoked)');
    expect(auth.verifyKey(b.key).roles).toEqual(['readwrite']);
  });

  it('refuses bad entries naming them', () => {
    const ok = createApiKey('x').entry;
    expect(() => parseApiKeys('nope', 'f')).toThrow(/expected a list/);
    expect(() => parseApiKeys([{ ...ok, hash: 'sha256:00' }], 'f')).toThrow(/entry 1 \(x\): hash must be/);
    expect(() => parseApiKeys([ok, ok], 'f')).toThrow(/entry 2: the name "x" is used twice/);
    expect(() => parseApiKeys([{ hash: ok.hash }], 'f')).toThrow(/entry 1: name is missing/);
    expect(() => parseApiKeys({ apiKeys: [{ ...ok, roles: 'admin' }] }, 'f')).toThrow(/roles must be a list/);
    expect(() => createApiKey('has space')).toThrow(/key name/);
  });

  it('a server with a bad keys file does not start, and says why', async () => {
    const dir = await tempDir();
    const file = join(dir, 'keys.yaml');
    await writeFile(file, '- { name: a, hash: "sha256:abc" }\n');
    await expect(startServerProcess(join(dir, 'data'), ['--security-api-keys-file', file])).rejects.toThrow(
      /security.apiKeysFile .*entry 1 \(a\): hash must be/,
    );
  });
});
