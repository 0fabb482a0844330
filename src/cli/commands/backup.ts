import { open, rename, rm, stat } from 'node:fs/promises';
import { readBackupFile } from '../../backup/backup-file.js';
import { backupChunks } from '../backup-stream.js';
import { connect } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';
import { wholeNumber } from '../revision-flag.js';

export const backupCommand: Command = {
  name: 'backup',
  summary: 'write a full or incremental backup of a running server to a file',
  options: { out: { type: 'string' }, 'from-revision': { type: 'string' }, force: { type: 'boolean' } },
  help: `NAME
    kvstore backup - write a backup of a running server to a file

SYNOPSIS
    kvstore backup --out FILE [--from-revision R] [--force] [--json]

DESCRIPTION
    Without --from-revision: a full backup, the state of every key now plus the records committed while
    the backup is written. With --from-revision R: an incremental backup, the log records from revision R
    on (R must not be compacted). Chain them: after a backup that ends at revision T, the next
    incremental is --from-revision T+1, as the command prints. Restore with kvstore restore.

    The file is written as FILE.partial, checked whole (CRC-32C of every frame, SHA-256 of the file),
    then renamed to FILE, so FILE is either a complete, verified backup or absent. The format is in
    docs/backup.md. Progress (items/s) goes to standard error.

OPTIONS
    --out FILE           where to write the backup
    --from-revision R    incremental backup of the records from revision R on
    --force              overwrite FILE when it exists
    --json               print the result as one JSON object

EXIT STATUS
    0 written and verified, 2 usage error or a revision out of range (compacted or in the future),
    3 server unavailable, write error or other error.

EXAMPLES
    kvstore backup --out full.kvb
    kvstore backup --out incr-1.kvb --from-revision 1042`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('backup takes no positional arguments', 'backup');
    const out = stringFlag(ctx, 'out');
    if (out === undefined) throw usage('--out FILE is required', 'backup');
    const fromFlag = stringFlag(ctx, 'from-revision');
    const fromRevision = fromFlag === undefined ? 0 : wholeNumber('--from-revision', fromFlag, 1, 'backup');
    const exists = await stat(out).then(
      () => true,
      () => false,
    );
    if (exists && ctx.values.force !== true) {
      throw usage(`--out ${out} exists; choose another name, or pass --force to overwrite it`, 'backup');
    }

    const partial = `${out}.partial`;
    const clients = connect(ctx.global);
    const progress = startProgress('backup', 'items');
    const file = await open(partial, 'w');
    let bytes = 0;
    try {
      for await (const chunk of backupChunks(clients, fromRevision, (d, t) => progress.update(d, t))) {
        await file.write(chunk);
        bytes += chunk.length;
      }
      await file.sync();
      await file.close();
      progress.finish();
      const { header, trailer } = await readBackupFile(partial);
      await rename(partial, out);
      const facts = {
        file: out,
        kind: header.kind,
        base_revision: header.baseRevision,
        last_revision: trailer.lastRevision,
        items: trailer.items,
        bytes,
        next_from_revision: trailer.lastRevision + 1,
      };
      if (ctx.global.json) printJson(facts);
      else {
        const base = header.baseRevision;
        const last = trailer.lastRevision;
        const records = last > base ? `records ${base + 1}..${last}` : '';
        const what =
          header.kind === 'full'
            ? `full backup: the state at revision ${base}${records ? ` + ${records}` : ''}`
            : `incremental backup: ${records || `no records after revision ${base} yet`}`;
        process.stdout.write(
          `${out}: ${what}, ${trailer.items} items, ${bytes} bytes, verified\n` +
            `next incremental: kvstore backup --out FILE --from-revision ${trailer.lastRevision + 1}\n`,
        );
      }
      return EXIT.OK;
    } catch (err) {
      await file.close().catch(() => {});
      await rm(partial, { force: true });
      throw err;
    } finally {
      clients.close();
    }
  },
};
