import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** The digest of a file's bytes, or '' when it cannot be read. */
type Digest = string;

/**
 * Credential files looked at every `intervalMs` (as TLS files are, src/security/tls-files.ts): a file whose
 * bytes differ from those last taken is handed to `take`, which answers the files it used. A file it did
 * not use (it did not parse, or does not fit the others) is offered again at every look until it changes
 * into something usable, so fixing one file lets a rejected edit of another one through.
 */
export class FileSetWatch {
  private readonly taken = new Map<string, Digest>();
  private timer: NodeJS.Timeout | null = null;
  private looking: Promise<void> | null = null;

  /**
   * Reads the files' digests now: call it before reading the files themselves, so an edit made in between
   * is seen at the first look.
   */
  static async open(
    paths: readonly string[],
    take: (changed: ReadonlySet<string>) => Promise<ReadonlySet<string>>,
  ): Promise<FileSetWatch> {
    const watch = new FileSetWatch(take);
    for (const path of new Set(paths)) watch.taken.set(path, await digestOf(path));
    return watch;
  }

  private constructor(
    private readonly take: (changed: ReadonlySet<string>) => Promise<ReadonlySet<string>>,
  ) {}

  /** Looks every `intervalMs` (0: never) until {@link stop}. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer !== null || this.taken.size === 0) return;
    this.timer = setInterval(() => void this.look(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Looks now (one look at a time: a look asked for during another waits for it). */
  look(): Promise<void> {
    this.looking ??= this.lookOnce().finally(() => {
      this.looking = null;
    });
    return this.looking;
  }

  private async lookOnce(): Promise<void> {
    const now = new Map<string, Digest>();
    for (const path of this.taken.keys()) {
      const digest = await digestOf(path);
      if (digest !== this.taken.get(path)) now.set(path, digest);
    }
    if (now.size === 0) return;
    const used = await this.take(new Set(now.keys()));
    for (const path of used) {
      const digest = now.get(path);
      if (digest !== undefined) this.taken.set(path, digest);
    }
  }
}

async function digestOf(path: string): Promise<Digest> {
  try {
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  } catch {
    return '';
  }
}
