import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DirLock } from './dir-lock.js';

/** Layout of a data directory, and its ownership by one process. */
export class DataDir {
  private constructor(
    /** Absolute path of the directory. */
    readonly path: string,
    private readonly lock: DirLock,
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
   * Creates the directory if needed and takes its lock (see {@link DirLock}): held by another process, or
   * already by this one, it throws DataDirLockedError. A lock dies with its process, so a crash never
   * leaves one behind.
   */
  static async open(dir: string): Promise<DataDir> {
    const path = resolve(dir);
    await mkdir(path, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`data directory ${path} cannot be created (${err.code ?? err.message})`);
    });
    const info = await stat(path);
    if (!info.isDirectory()) throw new Error(`data directory ${path} is not a directory`);
    await mkdir(join(path, 'checkpoints'), { recursive: true });
    return new DataDir(path, await DirLock.acquire(path));
  }

  /** Releases the lock (idempotent). */
  release(): Promise<void> {
    return this.lock.release();
  }
}
