import { connect } from '../client.js';
import type { Command } from '../command.js';
import { usage } from '../exit-codes.js';
import { GLOBAL_OPTIONS } from '../main.js';
import { historyPath } from '../shell/history.js';
import { runShell } from '../shell/session.js';

export const shellCommand: Command = {
  name: 'shell',
  summary: 'an interactive prompt: commands with Tab completion of keys, history, watch, multi-line txn',
  options: {},
  help: `NAME
    kvstore shell - an interactive prompt

SYNOPSIS
    kvstore shell [--addr HOST:PORT] [--api-key KEY] [--cacert FILE] [--json] [--timeout DURATION]

DESCRIPTION
    Reads commands from the terminal, each as you would type it after "kvstore" (get, set, del, list,
    txn, watch, status, hash, compact) and runs it against the server of the global options given here.
    Words with spaces go in JSON "double quotes": set greeting "hello world".

    Tab        completes commands, flags and keys: the first 50 keys starting with what you typed, read
               from the server (first argument of get, set, del, watch; values of --prefix, --start, --end)
    Up, Down   walk the history, kept across sessions (see FILES)
    Ctrl-C     clears the line; stops a running watch and returns to the prompt; drops a txn being typed
    Ctrl-D     leaves (so do exit and quit)

    txn        on its own starts a multi-line transaction in kvstore txn's syntax (see kvstore txn --help):
               type its lines, an empty line runs it
    \\json      toggles JSON output for every command (\\json on, \\json off); the prompt reads
               kvstore[json]> while it is on. --json starts the shell with it on.
    help       the shell's commands; help COMMAND for a command's own

FILES
    The history is $KVSTORE_HISTORY if set (empty: no history), else $XDG_STATE_HOME/kvstore/history,
    else ~/.kvstore_history; created readable by you only (lines hold values). 1000 lines are kept.

EXAMPLES
    kvstore shell
    kvstore shell --addr 10.0.0.1:50051,10.0.0.2:50051 --json`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('shell takes no arguments', 'shell');
    if (!process.stdin.isTTY) throw usage('shell needs a terminal (for scripts, run the commands directly)');
    const globalArgs = Object.entries(GLOBAL_OPTIONS).flatMap(([name, option]) => {
      const value = ctx.values[name];
      return option.type === 'string' && typeof value === 'string' ? [`--${name}=${value}`] : [];
    });
    const clients = connect(ctx.global);
    try {
      return await runShell({
        globalArgs,
        json: ctx.global.json,
        historyPath: historyPath(),
        client: () => clients.client(),
      });
    } finally {
      clients.close();
    }
  },
};
