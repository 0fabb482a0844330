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
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
}

/**
 * Runs an interactive session until exit, quit or Ctrl-D; resolves with the exit code (0). Each line runs
 * through the CLI's own `main`, so a line means exactly what it means after `kvstore` on a command line.
 * Lines typed (or pasted) while a command runs wait their turn.
 */
export async function runShell(options: ShellOptions): Promise<number> {
  const output = options.output ?? process.stdout;
  const commands = await Promise.all(
    SHELL_COMMANDS.map((name) => loadCommand(COMMANDS.find((c) => c.name === name)!)),
  );
  const history = new HistoryFile(options.historyPath, (m) => process.stderr.write(`kvstore: ${m}\n`));
  let json = options.json;
  let txn: TxnInput | null = null;
  let running: AbortController | null = null;
  let closed = false;

  const rl: Interface = createInterface({
    input: options.input ?? process.stdin,
    output,
    terminal: true,
    history: history.load(),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: createCompleter(completionSource(commands, options), () => txn !== null),
  });
  const prompt = () => {
    rl.setPrompt(txn ? 'txn> ' : json ? 'kvstore[json]> ' : 'kvstore> ');
    rl.prompt();
  };

  const runLine = async (line: string): Promise<void> => {
    if (txn) {
      if (!txn.add(line)) return;
      const input = txn.text();
      const empty = txn.empty;
      txn = null;
      if (!empty) await runCommand(['txn'], input);
      return;
    }
    let words: string[];
    try {
      words = tokenize(line, 0);
    } catch (err) {
      if (err instanceof TxnSyntaxError) return say(`kvstore: ${err.message}`);
      throw err;
    }
    const [head, ...args] = words;
    if (head === undefined) return;
    if (head === 'exit' || head === 'quit') return void rl.close();
    if (head === '\\json') {
      const next = jsonToggle(args, json);
      if (typeof next === 'string') return say(`kvstore: ${next}`);
      json = next;
      return say(`JSON output ${json ? 'on' : 'off'}`);
    }
    if (head === 'help' && args.length === 0) return say(shellHelp(commands));
    if (head === 'help') return void (await runCommand(words));
    if (!SHELL_COMMANDS.includes(head)) {
      const what = COMMANDS.some((c) => c.name === head)
        ? 'is not available in the shell'
        : 'is not a command';
      return say(`kvstore: "${head}" ${what} (type help)`);
    }
    if (head === 'txn' && args.length === 0) {
      txn = new TxnInput();
      return say('(a transaction: type its lines; an empty line runs it, Ctrl-C drops it)');
    }
    if (head === 'set' && args.includes('-'))
      return say('kvstore: set KEY - reads standard input, which is the shell itself: type the value');
    await runCommand(words);
  };

  const runCommand = async (words: readonly string[], input?: Buffer): Promise<void> => {
    running = new AbortController();
    try {
      const argv = [...options.globalArgs, ...(json ? ['--json'] : []), ...words];
      await main(argv, { signal: running.signal, ...(input === undefined ? {} : { input }) });
    } finally {
      running = null;
    }
  };

  const say = (text: string) => void output.write(`${text}\n`);

  const queue: string[] = [];
  let busy = false;
  const pump = async () => {
    if (busy) return;
    busy = true;
    while (queue.length > 0) {
      try {
        await runLine(queue.shift()!);
      } catch (err) {
        say(`kvstore: ${(err as Error).message ?? String(err)}`);
      }
    }
    busy = false;
    if (closed) finish();
    else prompt();
  };

  rl.on('line', (line) => {
    history.append(line);
    queue.push(line);
    void pump();
  });
  rl.on('SIGINT', () => {
    if (running) {
      queue.length = 0;
      running.abort();
    } else if (txn) {
      txn = null;
      say('^C (transaction dropped)');
      prompt();
    } else {
      // Clear what was typed, as Ctrl-E then Ctrl-U would.
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
    }
  });
  let finish: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });
  rl.on('close', () => {
    closed = true;
    running?.abort();
    if (!busy) finish();
  });
  say('kvstore shell: type help for the commands, Tab to complete, Ctrl-D to leave.');
  prompt();
  await ended;
  say('');
  return EXIT.OK;
}

/** Completion's view of the shell: commands, builtins, each command's flags, and keys from the server. */
function completionSource(commands: readonly Command[], options: ShellOptions): CompletionSource {
  const globalFlags = Object.keys(GLOBAL_OPTIONS).filter((f) => f !== 'version');
  return {
    words: [...commands.map((c) => c.name), ...BUILTINS],
    flagsOf(name) {
      const command = commands.find((c) => c.name === name);
      if (!command) return undefined;
      return [...Object.keys(command.options), ...globalFlags].map((f) => `--${f}`).sort();
    },
    async keys(prefix) {
      const client = await options.client();
      const pages = client.list({ prefix }, { pageSize: KEY_COMPLETIONS, keysOnly: true, timeoutMs: 2000 });
      const first = await pages.next();
      await pages.return(undefined);
      return first.done ? [] : first.value.kvs.map((kv) => kv.key);
    },
  };
}
