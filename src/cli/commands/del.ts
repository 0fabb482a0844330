import type { DeleteResponse__Output } from '../../api/generated/kvstore/v1/DeleteResponse.js';
import { call, connect } from '../client.js';
import type { Command } from '../command.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';

export const delCommand: Command = {
  name: 'del',
  summary: 'delete a key',
  options: {},
  help: `NAME
    kvstore del - delete a key

SYNOPSIS
    kvstore del KEY [--json]

DESCRIPTION
    Deletes KEY and prints the revision of the delete. Deleting a key that does not exist writes nothing
    and exits 1.

EXIT STATUS
    0 deleted, 1 key not found, 2 invalid argument, 3 server unavailable or other error.

EXAMPLES
    kvstore del session/42`,

  async run(ctx) {
    if (ctx.positionals.length !== 1) throw usage('del takes exactly one KEY', 'del');
    const key = ctx.positionals[0]!;
    const clients = connect(ctx.global);
    try {
      const response = await call<DeleteResponse__Output>(ctx.global, (cb) =>
        clients.kv.Delete({ key }, { deadline: clients.deadline() }, cb),
      );
      const revision = response.header?.revision ?? 0;
      if (ctx.global.json) printJson({ key, deleted: response.deleted, revision });
      if (!response.deleted) throw new CliExit(EXIT.NOT_FOUND, `key "${key}" not found`);
      if (!ctx.global.json) process.stdout.write(`OK revision ${revision}\n`);
      return EXIT.OK;
    } finally {
      clients.close();
    }
  },
};
