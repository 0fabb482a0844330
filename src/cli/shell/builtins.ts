import type { Command } from '../command.js';

/** The kvstore commands a shell line may run: those that talk to a server and end (or stop on Ctrl-C). */
export const SHELL_COMMANDS: readonly string[] = [
  'get',
  'set',
  'del',
  'list',
  'txn',
  'watch',
  'status',
  'hash',
  'compact',
];

/** The shell's own words (completed with the commands). */
export const BUILTINS: readonly string[] = ['help', '\\json', 'exit', 'quit'];

/**
 * `\json`, `\json on` or `\json off`: the new setting of the JSON toggle, or an error message.
 * A backslash word, as in psql, because `set json on` would be a kvstore set of the key "json".
 */
export function jsonToggle(args: readonly string[], current: boolean): boolean | string {
  if (args.length === 0) return !current;
  if (args.length === 1 && args[0] === 'on') return true;
  if (args.length === 1 && args[0] === 'off') return false;
  return '\\json takes on, off or nothing (toggle)';
}

/** The text of `help` in the shell. */
export function shellHelp(commands: readonly Command[]): string {
  return `Type a command as you would after "kvstore" (global options come from "kvstore shell ..."):
${commands.map((c) => `    ${c.name.padEnd(10)}${c.summary}`).join('\n')}

    help COMMAND      a command's own help (also: COMMAND --help)
    txn               on its own: a multi-line transaction; type its lines (if ..., then, set ..., else,
                      get ...), an empty line runs it, Ctrl-C drops it
    \\json [on|off]    JSON output for every command (toggle); the prompt reads kvstore[json]>
    exit, quit        leave (or Ctrl-D)

Words with spaces go in JSON "double quotes": set greeting "hello world".
Tab completes commands, flags and keys (the first 50 keys starting with what you typed, read from the
server). Up and Down walk the history, kept across sessions in $KVSTORE_HISTORY, else
$XDG_STATE_HOME/kvstore/history, else ~/.kvstore_history. Ctrl-C clears the line or stops a watch.`;
}
