import { connect } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';
import { wholeNumber } from '../revision-flag.js';

export const hashCommand: Command = {
  name: 'hash',
  summary: 'print the HashKV of the state at a revision, to compare stores and backups',
  options: { revision: { type: 'string' } },
  help: `NAME
    kvstore hash - print a hash of the key state at a revision

SYNOPSIS
    kvstore hash [--revision R] [--json]

DESCRIPTION
    Prints the HashKV (a SHA-256 of every key, value and metadata of the state at a revision; defined
    in docs/backup.md) and the revision and key count. Two stores with the same history agree, and a
    restored backup agrees with its source at the revision it was restored to: kvstore restore prints
    the hash to compare with.

    An earlier revision is rebuilt from a checkpoint and the log, which needs the history back to it
    (not compacted) and takes time and memory in proportion to the state.

OPTIONS
    --revision R   the revision to hash (default: the current one)
    --json         print hash, revision, keys and compact_revision as one JSON object

EXIT STATUS
    0 printed, 2 the revision is compacted or in the future, 3 server unavailable or other error.

EXAMPLES
    kvstore hash
    kvstore hash --revision 1042 --timeout 1m`,

  async run(ctx) {
    if (ctx.positionals.length > 0)
      throw usage('hash takes no positional arguments (use --revision)', 'hash');
    const flag = stringFlag(ctx, 'revision');
    const revision = flag === undefined ? 0 : wholeNumber('--revision', flag, 1, 'hash');
    const clients = connect(ctx.global);
    try {
      const r = await clients.unary('Admin/HashKV', { revision });
      if (ctx.global.json) {
        printJson({
          hash: r.hash,
          revision: r.hash_revision,
          keys: r.keys,
          compact_revision: r.compact_revision,
        });
      } else {
        process.stdout.write(`${r.hash}  revision ${r.hash_revision}, ${r.keys} keys\n`);
      }
      return EXIT.OK;
    } finally {
      clients.close();
    }
  },
};
