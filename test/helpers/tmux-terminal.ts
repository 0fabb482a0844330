import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A program running in a real pseudo-terminal: a detached tmux session on a private tmux server (its own
 * socket), driven by send-keys and read by capture-pane, as a person at a terminal would.
 */
export class TmuxTerminal {
  private constructor(private readonly socket: string) {}

  /** Starts `command` (argv) in a fresh terminal of `width` x `height` with `env` added. */
  static start(
    command: readonly string[],
    env: NodeJS.ProcessEnv = {},
    width = 200,
    height = 50,
  ): TmuxTerminal {
    const terminal = new TmuxTerminal(`kvstore-test-${process.pid}-${randomBytes(4).toString('hex')}`);
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v ?? ''}`);
    terminal.tmux('new-session', '-d', '-x', String(width), '-y', String(height), 'env', ...vars, ...command);
    // The pane stays after the program ends, so a test can read what it printed last.
    terminal.tmux('set-option', '-g', 'remain-on-exit', 'on');
    return terminal;
  }

  /** Types `text` literally (no key names). */
  type(text: string): void {
    if (text !== '') this.tmux('send-keys', '-l', text);
  }

  /** Presses keys by tmux name: Enter, Tab, Up, C-c, C-d... */
  press(...keys: string[]): void {
    this.tmux('send-keys', ...keys);
  }

  /** The screen and its scrollback, trailing blank lines removed. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-1000').replace(/\s+$/, '');
  }

  /** The line the cursor is on (the prompt and what was typed after it). */
  currentLine(): string {
    return this.screen().split('\n').at(-1) ?? '';
  }

  /** Whether the program in the terminal has ended. */
  exited(): boolean {
    return this.tmux('display-message', '-p', '#{pane_dead}').trim() === '1';
  }

  /** Polls the screen until `condition` holds; fails with the screen after `timeoutMs`. */
  async waitFor(condition: (screen: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (condition(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ends the tmux server and everything it runs. */
  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    // tmux leaves its socket file behind.
    const uid = process.getuid?.() ?? 0;
    rmSync(join(process.env.TMUX_TMPDIR ?? tmpdir(), `tmux-${uid}`, this.socket), { force: true });
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}
