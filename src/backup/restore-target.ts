import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsyncDirectory } from '../projections/checkpoint-file.js';
import { checkpointRevisions } from '../store/checkpointer.js';
import { DataDir } from '../store/data-dir.js';
import { LEGACY_LOCK_FILE, LOCK_FILE } from '../store/dir-lock.js';
import { RestorePlanError } from './restore-plan.js';

const STAGING = '.restore-staging';

/**
 * The data directory a restore writes: checked to be empty (or, with `force`, a kvstore data directory to
 * replace), locked against a server starting on it, and written through a staging directory inside it, so
 * that nothing of the old contents is touched before the restore has succeeded, and a failed restore
 * leaves the directory as it was.
 */
export class RestoreTarget {
  private constructor(
    private readonly dir: DataDir,
    private readonly created: boolean,
    private readonly replace: boolean,
  ) {}

  /** Directory the restored files are written to. */
  get stagingDir(): string {
    return join(this.dir.path, STAGING);
  }

  /** Checks and locks `path`. Throws {@link RestorePlanError} when it may not be restored into. */
  static async prepare(path: string, force: boolean): Promise<RestoreTarget> {
    const absolute = resolve(path);
    const existed = await stat(absolute).then(
      (s) => {
        if (!s.isDirectory()) throw new RestorePlanError(`--data-dir ${absolute} is not a directory`);
        return true;
      },
      () => false,
    );
    const contents = existed ? await meaningfulEntries(absolute) : [];
    if (contents.length > 0) {
      if (!force) {
        throw new RestorePlanError(
          `--data-dir ${absolute} is not empty (it holds ${contents.slice(0, 5).join(', ')}); restore into ` +
            'an empty directory, or pass --force to replace a kvstore data directory',
        );
      }
      const foreign = await foreignEntries(absolute, contents);
      if (foreign !== null) {
        throw new RestorePlanError(
          `--data-dir ${absolute} does not look like a kvstore data directory (${foreign}); ` +
            'refusing to replace its contents even with --force',
        );
      }
    }
    // Taking the lock refuses a directory a running server holds.
    const dir = await DataDir.open(absolute);
    const target = new RestoreTarget(dir, !existed, contents.length > 0);
    await rm(target.stagingDir, { recursive: true, force: true });
    await mkdir(join(target.stagingDir, 'checkpoints'), { recursive: true });
    return target;
  }

  /**
   * Moves the restored files in place of the old contents, then releases the directory. The order is
   * chosen so that a crash at any step leaves a directory that start-up either serves consistently or
   * refuses with a clear error, never one that mixes a log with checkpoints of another history: old
   * checkpoints go first, then the old log's companion files, then the new log replaces the old one in a
   * rename, and the new checkpoints come last. A restore into a shared log (a stream) stages no log.sqlite:
   * then an old one is deleted with the other files, since it belongs to the old history.
   */
  async commit(): Promise<void> {
    const root = this.dir.path;
    const staged = await readdir(this.stagingDir);
    if (this.replace) {
      for (const name of await readdir(join(root, 'checkpoints'))) {
        await rm(join(root, 'checkpoints', name), { force: true });
      }
      await fsyncDirectory(join(root, 'checkpoints'));
      const renamedOver = staged.includes('log.sqlite');
      for (const name of await readdir(root)) {
        if (name === STAGING || name === LOCK_FILE || name === 'checkpoints') continue;
        if (name === 'log.sqlite' && renamedOver) continue;
        await rm(join(root, name), { force: true });
      }
    }
    for (const name of staged) {
      if (name !== 'checkpoints') await rename(join(this.stagingDir, name), join(root, name));
    }
    await fsyncDirectory(root);
    for (const name of await readdir(join(this.stagingDir, 'checkpoints'))) {
      await rename(join(this.stagingDir, 'checkpoints', name), join(root, 'checkpoints', name));
    }
    await fsyncDirectory(join(root, 'checkpoints'));
    await rm(this.stagingDir, { recursive: true, force: true });
    await this.dir.release();
  }

  /** Deletes what the restore wrote (and the directory, when the restore created it). */
  async abandon(): Promise<void> {
    await rm(this.stagingDir, { recursive: true, force: true });
    await this.dir.release();
    if (this.created) {
      await rm(join(this.dir.path, LOCK_FILE), { force: true });
      await rmdir(join(this.dir.path, 'checkpoints')).catch(() => {});
      await rmdir(this.dir.path).catch(() => {});
    }
  }
}

/** Entries that make a directory non-empty: anything but an empty `checkpoints` or a staging leftover. */
async function meaningfulEntries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    if (name === STAGING || name === LOCK_FILE || name === LEGACY_LOCK_FILE) continue;
    if (name === 'checkpoints' && (await readdir(join(dir, name)).catch(() => ['?'])).length === 0) continue;
    out.push(name);
  }
  return out;
}

/**
 * Why `dir` is not a kvstore data directory, or null when it is one: log.sqlite, files, checkpoints/; or,
 * a cluster node's (whose log is a stream), checkpoints/ with checkpoint files and no log.sqlite.
 */
async function foreignEntries(dir: string, names: readonly string[]): Promise<string | null> {
  if (!names.includes('log.sqlite')) {
    const checkpoints = names.includes('checkpoints')
      ? await checkpointRevisions(join(dir, 'checkpoints'))
      : [];
    if (checkpoints.length === 0) return 'no log.sqlite';
  }
  for (const name of names) {
    const s = await stat(join(dir, name));
    if (s.isDirectory() && name !== 'checkpoints') return `it holds the directory ${name}`;
  }
  return null;
}
