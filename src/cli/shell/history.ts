import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** How many lines the shell remembers (the file is trimmed back to this many once it holds twice as many). */
export const HISTORY_SIZE = 1000;

/**
 * Where the shell keeps its history: $KVSTORE_HISTORY (empty: keep none), else
 * $XDG_STATE_HOME/kvstore/history, else ~/.kvstore_history.
 */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.KVSTORE_HISTORY !== undefined) return env.KVSTORE_HISTORY === '' ? null : env.KVSTORE_HISTORY;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'kvstore', 'history');
  return join(homedir(), '.kvstore_history');
}

/**
 * The shell's persistent history: one entry per line, oldest first, readable by its owner only (lines
 * hold values, which may be secrets). A file that cannot be read or written costs the history, never
 * the session: the first failure is reported once.
 */
export class HistoryFile {
  private last: string | undefined;
  private warned = false;

  constructor(
    private readonly path: string | null,
    private readonly warn: (message: string) => void,
  ) {}

  /** The remembered entries, newest first (readline's order). */
  load(): string[] {
    if (this.path === null) return [];
    let lines: string[];
    try {
      lines = readFileSync(this.path, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.failed('read', err);
      return [];
    }
    const kept = lines.slice(-HISTORY_SIZE);
    if (lines.length >= 2 * HISTORY_SIZE) this.rewrite(kept);
    this.last = kept.at(-1);
    return kept.reverse();
  }

  /** Remembers a line typed (not a repeat of the one before, nor an empty one). */
  append(line: string): void {
    if (this.path === null || line.trim() === '' || line === this.last) return;
    this.last = line;
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      appendFileSync(this.path, `${line}\n`, { mode: 0o600 });
    } catch (err) {
      this.failed('write', err);
    }
  }

  private rewrite(lines: string[]): void {
    try {
      writeFileSync(this.path!, `${lines.join('\n')}\n`, { mode: 0o600 });
      chmodSync(this.path!, 0o600);
    } catch (err) {
      this.failed('write', err);
    }
  }

  private failed(what: string, err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    this.warn(`cannot ${what} the history file ${this.path} (${reason}); KVSTORE_HISTORY sets another`);
  }
}
