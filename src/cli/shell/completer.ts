/** What completion draws on: the shell's words and flags, and the server's keys. */
export interface CompletionSource {
  /** Command names and the shell's own words, completed at the start of a line. */
  readonly words: readonly string[];
  /** The flags (`--name`) a command takes, or undefined for a word that is not a command. */
  flagsOf(command: string): readonly string[] | undefined;
  /** Whether a command's flag takes a value (the next word is the value, not an argument). */
  takesValue(command: string, flag: string): boolean;
  /** Up to {@link KEY_COMPLETIONS} keys starting with `prefix`, in key order (may reject). */
  keys(prefix: string): Promise<readonly string[]>;
}

/** Keys offered for one Tab: the first page of the prefix (a shell is no place to list a million keys). */
export const KEY_COMPLETIONS = 50;

/** Commands whose first argument is a key. */
const KEY_FIRST = new Set(['get', 'set', 'del', 'watch']);
/** Flags whose value is a key or a key prefix. */
const KEY_FLAGS = new Set(['--prefix', '--start', '--end']);
/** The words of a line of a multi-line txn (src/cli/txn-syntax.ts): its operations take `--flag VALUE`. */
const TXN_WORDS = ['if', 'then', 'else', 'set', 'get', 'del', 'list'];
const TXN_FLAGS: Record<string, readonly string[]> = {
  set: ['--ttl'],
  del: ['--prefix', '--pattern'],
  list: ['--prefix', '--pattern', '--start', '--end', '--limit'],
};
const TXN_SOURCE = {
  words: TXN_WORDS,
  flagsOf: (command: string) => TXN_FLAGS[command] ?? [],
  takesValue: () => true,
};

/** readline's completer signature (callback form, so keys can come from the server). */
export type Completer = (line: string, callback: (err: null, result: [string[], string]) => void) => void;

/**
 * Completes the word under the cursor: a command at the start of a line, a flag after "-", a key where a
 * command takes one (the first argument of get, set, del and watch; the value of --prefix, --start and
 * --end). `inTxn` says whether the line is part of a multi-line txn, whose words are those of txn-syntax.
 */
export function createCompleter(source: CompletionSource, inTxn: () => boolean): Completer {
  return (line, callback) => {
    const done = (candidates: readonly string[], word: string) => callback(null, [[...candidates], word]);
    const cut = line.search(/\S*$/);
    const word = line.slice(cut);
    const before = line.slice(0, cut).trim().split(/\s+/).filter(Boolean);
    const words = inTxn() ? TXN_SOURCE : source;
    const starts = (c: string) => c.startsWith(word);
    if (before.length === 0)
      return done(
        words.words.filter(starts).map((c) => `${c} `),
        word,
      );
    const [command, ...args] = before as [string, ...string[]];
    if (command === 'help' && args.length === 0)
      return done(
        source.words.filter((w) => starts(w) && source.flagsOf(w) !== undefined),
        word,
      );
    if (word.startsWith('-'))
      return done(
        (words.flagsOf(command) ?? []).filter(starts).map((f) => `${f} `),
        word,
      );
    const previous = args.at(-1);
    const atFirstArgument = KEY_FIRST.has(command) && positionals(command, args, words) === 0;
    const wantsKey = (previous !== undefined && KEY_FLAGS.has(previous)) || atFirstArgument;
    if (!wantsKey || word.startsWith('"')) return done([], word);
    source.keys(word).then(
      (keys) => done(keys.map(quoteKey), word),
      () => done([], word),
    );
  };
}

/** How many arguments (not flags, nor a flag's value) come before the word being completed. */
function positionals(command: string, args: readonly string[], source: Pick<CompletionSource, 'takesValue'>) {
  let count = 0;
  for (let i = 0; i < args.length; i++) {
    if (!args[i]!.startsWith('-')) count++;
    else if (!args[i]!.includes('=') && source.takesValue(command, args[i]!)) i++;
  }
  return count;
}

/** A key as the shell reads it back: JSON "quoted" when it holds spaces or starts with a quote. */
function quoteKey(key: string): string {
  return /\s|^"/.test(key) ? JSON.stringify(key) : key;
}
