import { access } from 'node:fs/promises';
import { BackupFormatError } from '../../backup/backup-format.js';
import { restore } from '../../backup/restore.js';
import { RestorePlanError } from '../../backup/restore-plan.js';
import { isKeyProblem } from '../../log/encryption.js';
import { type LogUrl, parseLogUrl } from '../../log/log-url.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { ENCRYPTION_KEY_HELP, ENCRYPTION_KEY_OPTION, useCommandKeyRing } from '../encryption-option.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';
import { wholeNumber } from '../revision-flag.js';

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'restore backups into an empty data directory or stream (offline), to a revision or a time',
  options: {
    in: { type: 'string', multiple: true },
    'data-dir': { type: 'string' },
    'log-url': { type: 'string' },
    'to-revision': { type: 'string' },
    'to-time': { type: 'string' },
    force: { type: 'boolean' },
    ...ENCRYPTION_KEY_OPTION,
  },
  help: `NAME
    kvstore restore - restore backups into a data directory, or a JetStream stream

SYNOPSIS
    kvstore restore --in FILE [--in FILE ...] --data-dir DIR [--log-url URL]
                    [--to-revision R | --to-time ISO] [--force] [--json]

DESCRIPTION
    Offline: no server may run on DIR. Replays one full backup and any incrementals that continue it
    (give them in any order; a gap between them is refused) into DIR, keeping every revision number
    and commit time, so the restored server continues at the next revision and watchers never see
    revisions go backwards. The history before the full backup's state is not restored: the restored
    store's compact revision is the revision after it.

    Every file is checked whole (CRC-32C per frame, SHA-256 per file) before the restore counts; a
    truncated or altered file is refused with the byte offset of the damage, and DIR is left as it was.
    The restored files are written to DIR/.restore-staging and moved in place only when all is well.
    Prints the HashKV of the restored state: compare it with kvstore hash --revision R on the source.

    The backup of any backend restores into any other (this is how a store moves between SQLite
    and JetStream). With --log-url nats://..., the log goes into that JetStream stream, which must
    be new or empty (one that holds a log is never overwritten, with or without --force: delete it
    or name a new stream); the files are checked and replayed in memory before anything is written
    to it. DIR then receives only the checkpoint of the restored state: start the first node on
    DIR, and give every other node a copy of DIR/checkpoints/ before it starts (the stream begins
    after the backup's state, so a node with no checkpoint cannot start; see docs/cluster.md).

OPTIONS
    --in FILE            a backup file (repeat for incrementals)
    --data-dir DIR       the data directory to create; it must be absent or empty
    --log-url URL        where the log goes: sqlite: (default, DIR/log.sqlite) or
                         nats://HOST:PORT[,HOST:PORT...]/STREAM[?replicas=N] (a new or empty stream)
    --to-revision R      stop after revision R (point-in-time recovery)
    --to-time ISO        stop after the last revision committed at or before this time, e.g.
                         2026-11-30T17:00:00Z (ISO 8601; without a zone, local time)
    --force              replace the contents of DIR when it is a kvstore data directory
${ENCRYPTION_KEY_HELP}
                         (needed for an encrypted backup; the restored data is sealed under its
                         current key, records copied from the backup keep theirs)
    --json               print the result as one JSON object

EXIT STATUS
    0 restored, 2 usage error, a damaged file, a gap in the chain or a point the backups do not hold,
    a stream that is not empty, 3 DIR in use by a server, NATS unreachable, I/O or other error.

EXAMPLES
    kvstore restore --in full.kvb --in incr-1.kvb --data-dir /var/lib/kvstore-restored
    kvstore restore --in full.kvb --in incr-1.kvb --data-dir ./data --to-time 2026-11-30T17:00:00Z --force
    kvstore restore --in full.kvb --data-dir ./n0 --log-url 'nats://n1:4222,n2:4222/KV2?replicas=3'`,

  async run(ctx) {
    if (ctx.positionals.length > 0)
      throw usage('restore takes no positional arguments (use --in)', 'restore');
    const inputs = (Array.isArray(ctx.values.in) ? ctx.values.in : []).filter(
      (v): v is string => typeof v === 'string',
    );
    if (inputs.length === 0)
      throw usage('--in FILE is required (a full backup, then incrementals)', 'restore');
    useCommandKeyRing(ctx);
    for (const input of inputs) {
      await access(input).catch((err: NodeJS.ErrnoException) => {
        throw usage(`--in ${input}: cannot be read (${err.code ?? err.message})`, 'restore');
      });
    }
    const dataDir = stringFlag(ctx, 'data-dir');
    if (dataDir === undefined) throw usage('--data-dir DIR is required', 'restore');
    const logUrl = logUrlFlag(stringFlag(ctx, 'log-url'));
    const revisionFlag = stringFlag(ctx, 'to-revision');
    const timeFlag = stringFlag(ctx, 'to-time');
    if (revisionFlag !== undefined && timeFlag !== undefined) {
      throw usage('--to-revision and --to-time cannot be combined', 'restore');
    }
    const toRevision =
      revisionFlag === undefined ? undefined : wholeNumber('--to-revision', revisionFlag, 0, 'restore');
    const toTimeMs = timeFlag === undefined ? undefined : parseTime(timeFlag);

    const progress = startProgress('restore', 'items');
    let result: Awaited<ReturnType<typeof restore>>;
    try {
      result = await restore({
        inputs,
        dataDir,
        logUrl,
        toRevision,
        toTimeMs,
        force: ctx.values.force === true,
        onProgress: (done, total) => progress.update(done, total),
      });
    } catch (err) {
      if (err instanceof RestorePlanError || err instanceof BackupFormatError || isKeyProblem(err)) {
        throw new CliExit(EXIT.USAGE, `${err.message}; nothing was restored`);
      }
      throw err;
    }
    progress.finish();
    const time = result.revisionTimeMs > 0 ? new Date(result.revisionTimeMs).toISOString() : null;
    if (ctx.global.json) {
      printJson({
        data_dir: dataDir,
        log_url: result.logUrl,
        revision: result.revision,
        revision_time: time,
        compact_revision: result.compactRevision,
        keys: result.keys,
        hash: result.hash,
        records: result.records,
        items: result.items,
        files: result.files,
      });
    } else {
      process.stdout.write(
        `restored revision ${result.revision}${time ? ` (committed ${time})` : ''}, ${result.keys} keys, ` +
          `into ${logUrl?.scheme === 'nats' ? `${result.logUrl} (checkpoint in ${dataDir})` : dataDir}\n` +
          `hash ${result.hash}\nhistory from revision ${result.compactRevision}\n`,
      );
    }
    return EXIT.OK;
  },
};

function logUrlFlag(text: string | undefined): LogUrl | undefined {
  if (text === undefined) return undefined;
  try {
    return parseLogUrl(text);
  } catch (err) {
    throw usage(`--log-url: ${(err as Error).message}`, 'restore');
  }
}

function parseTime(text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw usage(`--to-time: "${text}" is not an ISO 8601 time (e.g. 2026-11-30T17:00:00Z)`, 'restore');
  }
  return ms;
}
