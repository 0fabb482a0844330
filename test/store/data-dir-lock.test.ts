import { type ChildProcess, spawn } from 'node:child_process';
import { open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDir } from '../../src/store/data-dir.js';
import { DataDirLockedError } from '../../src/store/errors.js';
import { kvstore } from '../helpers/cli.js';
import { serveArgs, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const bystanders: ChildProcess[] = [];

/** A live process that has nothing to do with kvstore: its pid stands for a pid the OS reused. */
function bystander(): number {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  bystanders.push(child);
  return child.pid!;
}

afterEach(() => {
  for (const child of bystanders.splice(0)) child.kill('SIGKILL');
});

/** Writes `pid` wherever a lock file of any kvstore build keeps its holder's pid. */
async function claimFor(dataDir: string, pid: number): Promise<void> {
  await writeFile(join(dataDir, 'kvstore.lock'), `${pid}\n`);
  if ((await readdir(dataDir)).includes('kvstore.lock.sqlite')) {
    const handle = await open(join(dataDir, 'kvstore.lock.sqlite'), 'r+');
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(pid);
    await handle.write(bytes, 0, 4, 60); // the SQLite header's user_version
    await handle.close();
  }
}

describe('the data directory lock', () => {
  it('is free again at once after its holder was killed, even when the pid it names now runs something else', async () => {
    const dataDir = await tempDir();
    const first = await startServerProcess(dataDir);
    first.process.kill('SIGKILL');
    await first.stop();
    await claimFor(dataDir, bystander());

    const second = await startServerProcess(dataDir);
    expect(await second.stop()).toBe(0);
  });

  it('refuses a second server on a directory in use, naming the holder, with exit code 3', async () => {
    const dataDir = await tempDir();
    const first = await startServerProcess(dataDir);
    try {
      const second = await kvstore([...serveArgs(dataDir), '--log-level', 'silent']);
      expect(second.code).toBe(3);
      expect(second.stderr).toContain(`data directory ${dataDir} is in use by process ${first.process.pid}`);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });

  it('is not blocked by the pid file of an older build naming a live process', async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, 'kvstore.lock'), `${bystander()}\n`);
    const dir = await DataDir.open(dataDir);
    await expect(DataDir.open(dataDir)).rejects.toThrow(DataDirLockedError);
    await dir.release();
    expect(await readdir(dataDir)).not.toContain('kvstore.lock');
    await (await DataDir.open(dataDir)).release();
  });
});
