import { connect } from '../client.js';
import type { Command } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';
import { wholeNumber } from '../revision-flag.js';

export const compactCommand: Command = {
  name: 'compact',
  summary: 'drop the log history before a revision (the state is kept)',
  options: {},
  help: `NAME
    kvstore compact - drop the log history before a revision

SYNOPSIS
    kvstore compact REVISION [--json]

DESCRIPTION
    Deletes the log records before REVISION; every key keeps its current value and metadata. The
    server first writes a checkpoint if it has none at REVISION-1 or later (start-up needs one), and
    answers once the records are deleted. Afterwards, watches and incremental backups can start at
    REVISION at the earliest, and HashKV of older revisions is refused. The freed space is reused by
    later writes (the file does not shrink). Compacting to the current revision keeps only it.

    Automatic compaction: the compaction.keepRevisions and compaction.keepFor settings.

EXIT STATUS
    0 compacted, 2 REVISION already compacted or beyond the current revision, 3 server unavailable, a
    backup still reading that history (retry), or other error.

EXAMPLES
    kvstore compact 100000`,

  async run(ctx) {
    if (ctx.positionals.length !== 1) throw usage('compact takes one REVISION', 'compact');
    const text = ctx.positionals[0]!;
    // Digits past 2^53 name a revision no store reaches: let the server say it is beyond its own.
    const revision = /^\d{16,}$/.test(text)
      ? Math.min(Number(text), Number.MAX_SAFE_INTEGER)
      : wholeNumber('REVISION', text, 1, 'compact');
    const clients = connect(ctx.global);
    try {
      const response = await clients.unary('Admin/Compact', { revision });
      if (ctx.global.json) {
        printJson({
          compact_revision: response.compact_revision,
          removed: response.removed,
          revision: response.header?.revision ?? 0,
        });
      } else {
        process.stdout.write(
          `compacted: history before revision ${response.compact_revision} dropped (${response.removed} revisions)\n`,
        );
      }
      return EXIT.OK;
    } finally {
      clients.close();
    }
  },
};
