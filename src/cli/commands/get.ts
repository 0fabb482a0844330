import { connect } from '../client.js';
import type { Command } from '../command.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { kvJson, printJson, printValue } from '../output.js';

export const getCommand: Command = {
  name: 'get',
  summary: 'print the value of a key',
  options: { serializable: { type: 'boolean' } },
  help: `NAME
    kvstore get - print the value of a key

SYNOPSIS
    kvstore get KEY [--serializable] [--json] [--addr HOST:PORT] [--timeout DURATION]

DESCRIPTION
    Prints the value of KEY exactly as stored (a newline is added only when the output is a terminal),
    so binary values survive "kvstore get k > file". An expired key reads as absent.

    In a cluster the read is linearizable: the node first catches up with every write acknowledged on any
    node. --serializable answers from the node's own state at once (it may miss the newest writes made
    through other nodes, never its own).

    With --json, prints one JSON object: key, value (or value_base64 when the value is not UTF-8),
    create_revision, mod_revision, version, expires_at (ISO 8601 or null) and revision.

EXIT STATUS
    0 found, 1 key not found, 2 invalid argument, 3 server unavailable or other error.

EXAMPLES
    kvstore get config/feature-x
    kvstore get config/feature-x --json`,

  async run(ctx) {
    if (ctx.positionals.length !== 1) throw usage('get takes exactly one KEY', 'get');
    const key = ctx.positionals[0]!;
    const clients = connect(ctx.global);
    try {
      const response = await clients.unary('KV/Get', { key, serializable: ctx.values.serializable === true });
      if (!response.found || !response.kv) throw new CliExit(EXIT.NOT_FOUND, `key "${key}" not found`);
      if (ctx.global.json) printJson(kvJson(response.kv, response.header?.revision ?? 0));
      else printValue(response.kv.value);
      return EXIT.OK;
    } finally {
      clients.close();
    }
  },
};
