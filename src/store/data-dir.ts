import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataDirLockedError } from './errors.js';

/** Data directories locked by this process (a second open in-process is refused like one from elsewhere). */
const heldHere = new Set<string>();

/** Layout of a data directory, and its ownership by one process. */
export class DataDir {
  private constructor(
    /** Absolute path of the directory. */
    readonly path: string,
    private locked: boolean,
  ) {}

  /** The SQLite event log. */
  get logPath(): string {
    return join(this.path, 'log.sqlite');
  }

  /** Checkpoint files. */
  get checkpointDir(): string {
    return join(this.path, 'checkpoints');
  }

  /** Per-subsystem state files (for example the NATS publish cursor). */
  file(name: string): string {
    return join(this.path, name);
  }

  /**
   * Creates the directory if needed and takes its lock file (`kvstore.lock`, holding our pid). A lock left by
   * a process that no longer runs is taken over; one held by a live process throws {@link DataDirLockedError}.
   */
  static async open(dir: string): Promise<DataDir> {
    const path = resolve(dir);
    await mkdir(path, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`data directory ${path} cannot be created (${err.code ?? err.message})`);
    });
    const info = await stat(path);
    if (!info.isDirectory()) throw new Error(`data directory ${path} is not a directory`);
    await mkdir(join(path, 'checkpoints'), { recursive: true });
    await takeLock(path);
    return new DataDir(path, true);
  }

  /** Releases the lock (idempotent). */
  async release(): Promise<void> {
    if (!this.locked) return;
    this.locked = false;
    heldHere.delete(this.path);
    await unlink(join(this.path, 'kvstore.lock')).catch(() => {});
  }
}

async function takeLock(dir: string): Promise<void> {
  if (heldHere.has(dir)) throw new DataDirLockedError(dir, process.pid);
  const lockPath = join(dir, 'kvstore.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      heldHere.add(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
      throw new DataDirLockedError(dir, holder);
    }
    // Stale: its process is gone (crash, kill -9), or it is our own pid reused (pid 1 in a container).
    await unlink(lockPath).catch(() => {});
  }
  throw new Error(`data directory ${dir}: could not take the lock file ${lockPath}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
