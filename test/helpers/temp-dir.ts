import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

const created: string[] = [];

/** A fresh directory under the OS temp dir, removed after the test. */
export async function tempDir(prefix = 'kvstore-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

const suite: string[] = [];

/**
 * A fresh directory that lives until every test of the file has run (for a server the file's tests share,
 * started in beforeAll: a {@link tempDir} would be removed under it after the first test).
 */
export async function suiteDir(prefix = 'kvstore-suite-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  suite.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of suite.splice(0)) await rm(dir, { recursive: true, force: true });
});
