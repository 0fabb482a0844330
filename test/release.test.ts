import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kvstore } from './helpers/cli.js';
import { startServerProcess } from './helpers/server-process.js';
import { tempDir } from './helpers/temp-dir.js';

// Semantic versioning: package.json's version is what `kvstore --version` and Admin.Status say, and
// CHANGELOG.md has its section (scripts/release-check.mjs, CONTRIBUTING.md "Releasing").
const run = promisify(execFile);
const SCRIPT = resolve('scripts/release-check.mjs');
const version = async () =>
  (JSON.parse(await readFile('package.json', 'utf8')) as { version: string }).version;

/** release-check.mjs run in `cwd`: exit code and what it printed. */
async function releaseCheck(cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [SCRIPT], { cwd });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('version and changelog', () => {
  it('kvstore --version and a server Status both say package.json version', async () => {
    const v = await version();
    expect(v).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    const printed = await kvstore(['--version']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(`kvstore ${v}\n`);

    const server = await startServerProcess(await tempDir());
    try {
      const status = await kvstore(['status', '--addr', server.addr, '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ version: v });
    } finally {
      await server.stop();
    }
  });

  it("CHANGELOG.md has a section for package.json's version (release-check passes)", async () => {
    const r = await releaseCheck(process.cwd());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`release check: version ${await version()} ok\n`);
  });

  it('a version bumped without its changelog section fails, saying what to do', async () => {
    const dir = await tempDir();
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    await writeFile(join(dir, 'package.json'), JSON.stringify({ ...pkg, version: '9.8.7' }));
    await writeFile(join(dir, 'CHANGELOG.md'), await readFile('CHANGELOG.md', 'utf8'));
    const r = await releaseCheck(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'CHANGELOG.md: no "## [9.8.7]" section for package.json\'s version: move the [Unreleased] entries under it',
    );

    await writeFile(join(dir, 'package.json'), JSON.stringify({ ...pkg, version: '1.0' }));
    expect((await releaseCheck(dir)).stderr).toContain('version "1.0" is not MAJOR.MINOR.PATCH');
  });
});
