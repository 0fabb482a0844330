import { createInterface, type Interface } from 'node:readline';
import type { KvClient } from '../../client/client.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { COMMANDS, GLOBAL_OPTIONS, loadCommand, main } from '../main.js';
import { TxnSyntaxError, tokenize } from '../txn-syntax.js';
import { BUILTINS, jsonToggle, SHELL_COMMANDS, shellHelp } from './builtins.js';
import { type CompletionSource, createCompleter, KEY_COMPLETIONS } from './completer.js';
import { HISTORY_SIZE, HistoryFile } from './history.js';
import { TxnInput } from './txn-input.js';

/** What a shell session needs from `kvstore shell`'s own command line. */
export interface ShellOptions {
  /** The global flags `kvstore shell` was given (--addr, --api-key...), put before every line's words. */
  readonly globalArgs: readonly string[];
  /** Start with JSON output on (`kvstore shell --json`). */
  readonly json: boolean;
  /** The history file, or null for none. */
  readonly historyPath: string | null;
  /** The client completion reads keys through. */
  client(): Promise<KvClient>;
}

/**
 * Runs an interactive session until exit, quit or Ctrl-D; resolves with the exit code (0). Each line runs
 * through the CLI's own `main`, so a line means exactly what it means after `kvstore` on a command line.
 */
export async function runShell(options: ShellOptions): Promise<number> {
  const commands = await Promise.all(
    SHELL_COMMANDS.map((name) => loadCommand(COMMANDS.find((c) => c.name === name)!)),
  );
  await new ShellSession(options, commands).ended;
  return EXIT.OK;
}

/** One session at the terminal: the prompt, the line queue, Ctrl-C and Ctrl-D. */
class ShellSession {
  readonly ended: Promise<void>;
  private readonly rl: Interface;
  private readonly history: HistoryFile;
  private json: boolean;
  private txn: TxnInput | null = null;
  /** Aborts the command running now (Ctrl-C); null at the prompt. */
  private running: AbortController | null = null;
  /** Lines typed (or pasted) while a command runs wait their turn. */
  private readonly queue: string[] = [];
  private busy = false;
  private closed = false;
  private finish: () => void = () => {};

  constructor(
    private readonly options: ShellOptions,
    private readonly commands: readonly Command[],
  ) {
    this.json = options.json;
    this.history = new HistoryFile(options.historyPath, (m) => process.stderr.write(`kvstore: ${m}\n`));
    this.ended = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history: this.history.load(),
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      completer: createCompleter(completionSource(commands, options), () => this.txn !== null),
    });
    this.rl.on('line', (line) => {
      this.history.append(line);
      this.queue.push(line);
      void this.pump();
    });
    this.rl.on('SIGINT', () => this.interrupt());
    this.rl.on('close', () => {
      this.closed = true;
      this.running?.abort();
      if (!this.busy) this.end();
    });
    this.say('kvstore shell: type help for the commands, Tab to complete, Ctrl-D to leave.');
    this.prompt();
  }

  private prompt(): void {
    this.rl.setPrompt(this.txn ? 'txn> ' : this.json ? 'kvstore[json]> ' : 'kvstore> ');
    this.rl.prompt();
  }

  private say(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  private end(): void {
    this.say('');
    this.finish();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length > 0) {
      try {
        await this.runLine(this.queue.shift()!);
      } catch (err) {
        this.say(`kvstore: ${(err as Error).message ?? String(err)}`);
      }
    }
    this.busy = false;
    if (this.closed) this.end();
    else this.prompt();
  }

  /** Ctrl-C: stops the running command, or drops the txn being typed, or clears the line. */
  private interrupt(): void {
    if (this.running) {
      this.queue.length = 0;
      this.running.abort();
    } else if (this.txn) {
      this.txn = null;
      this.say('^C (transaction dropped)');
      this.prompt();
    } else {
      // As Ctrl-E then Ctrl-U would: the line typed so far goes.
      this.rl.write(null, { ctrl: true, name: 'e' });
      this.rl.write(null, { ctrl: true, name: 'u' });
    }
  }

  private async runLine(line: string): Promise<void> {
    if (this.txn) return this.txnLine(line);
    let words: string[];
    try {
      words = tokenize(line, 0);
    } catch (err) {
      if (err instanceof TxnSyntaxError) return this.say(`kvstore: ${err.message}`);
      throw err;
    }
    const [head, ...args] = words;
    if (head === undefined) return;
    if (head === 'exit' || head === 'quit') return this.rl.close();
    if (head === '\\json') {
      const next = jsonToggle(args, this.json);
      if (typeof next === 'string') return this.say(`kvstore: ${next}`);
      this.json = next;
      return this.say(`JSON output ${next ? 'on' : 'off'}`);
    }
    if (head === 'help') return args.length === 0 ? this.say(shellHelp(this.commands)) : this.run(words);
    if (!SHELL_COMMANDS.includes(head)) {
      const known = COMMANDS.some((c) => c.name === head);
      return this.say(
        `kvstore: "${head}" ${known ? 'is not available in the shell' : 'is not a command'} (type help)`,
      );
    }
    if (head === 'txn' && args.length === 0) {
      this.txn = new TxnInput();
      return this.say('(a transaction: type its lines; an empty line runs it, Ctrl-C drops it)');
    }
    if (head === 'set' && args.includes('-'))
      return this.say('kvstore: set KEY - reads standard input, which is the shell itself: type the value');
    return this.run(words);
  }

  private async txnLine(line: string): Promise<void> {
    const txn = this.txn!;
    if (!txn.add(line)) return;
    this.txn = null;
    if (!txn.empty) await this.run(['txn'], txn.text());
  }

  /** Runs a command line through the CLI's main, with the shell's global flags and JSON setting. */
  private async run(words: readonly string[], input?: Buffer): Promise<void> {
    const running = new AbortController();
    this.running = running;
    try {
      const argv = [...this.options.globalArgs, ...(this.json ? ['--json'] : []), ...words];
      await main(argv, { signal: running.signal, ...(input === undefined ? {} : { input }) });
    } finally {
      this.running = null;
    }
  }
}

/** Completion's view of the shell: commands, builtins, each command's flags, and keys from the server. */
function completionSource(commands: readonly Command[], options: ShellOptions): CompletionSource {
  const globals = Object.entries(GLOBAL_OPTIONS).filter(([name]) => name !== 'version');
  const flags = (name: string) => {
    const command = commands.find((c) => c.name === name);
    return command ? [...Object.entries(command.options), ...globals] : undefined;
  };
  return {
    words: [...commands.map((c) => c.name), ...BUILTINS],
    flagsOf: (name) =>
      flags(name)
        ?.map(([f]) => `--${f}`)
        .sort(),
    takesValue: (name, flag) =>
      flags(name)?.some(([f, option]) => `--${f}` === flag && option.type === 'string') ?? false,
    async keys(prefix) {
      const client = await options.client();
      const pages = client.list({ prefix }, { pageSize: KEY_COMPLETIONS, keysOnly: true, timeoutMs: 2000 });
      const first = await pages.next();
      await pages.return(undefined);
      return first.done ? [] : first.value.kvs.map((kv) => kv.key);
    },
  };
}
