import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { BackupFormatError } from '../../backup/backup-format.js';
import type { BackupVisitor } from '../../backup/backup-reader.js';
import { decodeBackup } from '../../backup/backup-reader.js';
import { decodeRecord } from '../../log/codec.js';
import { isKeyProblem } from '../../log/encryption.js';
import type { ByteSource } from '../../projections/byte-reader.js';
import { chunkSource, fileSource } from '../../projections/byte-reader.js';
import { isLive } from '../../projections/key-entry.js';
import { KeyState } from '../../projections/key-state.js';
import { backupChunks } from '../backup-stream.js';
import { connect } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { ENCRYPTION_KEY_HELP, ENCRYPTION_KEY_OPTION, useCommandKeyRing } from '../encryption-option.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { entryLine, eventLine } from '../jsonl.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';
import { wholeNumber } from '../revision-flag.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write the keys (or the event history) as JSON Lines',
  options: {
    format: { type: 'string' },
    history: { type: 'boolean' },
    'from-revision': { type: 'string' },
    in: { type: 'string' },
    out: { type: 'string' },
    ...ENCRYPTION_KEY_OPTION,
  },
  help: `NAME
    kvstore export - write the keys, or the history of events, as JSON Lines

SYNOPSIS
    kvstore export --format jsonl [--out FILE] [--in BACKUP]
    kvstore export --format jsonl --history [--from-revision R] [--out FILE] [--in BACKUP]

DESCRIPTION
    Without --history: every live key of one consistent state, in key order, one object per line:
      {"key":"a","value":"1","create_revision":3,"mod_revision":9,"version":4,"expires_at":null}
    Values that are not UTF-8 come as "value_base64". With --history: every event from revision R on
    (default: the oldest the server holds), in revision order:
      {"revision":9,"time":"2026-11-30T17:00:00.000Z","type":"put","key":"a","value":"1",...}
      {"revision":12,"time":"...","type":"delete","key":"a","prev_revision":9}

    The data comes from the server (a backup stream, so the state is consistent at one revision), or
    with --in from a backup file, offline. kvstore import reads both forms back.

OPTIONS
    --format jsonl       the output format (jsonl is the only one)
    --history            events instead of keys
    --from-revision R    with --history: the first revision to export
    --in BACKUP          read a backup file instead of a server
    --out FILE           write FILE (written whole, then renamed) instead of standard output
${ENCRYPTION_KEY_HELP}
                         (needed when the server encrypts at rest: its backup stream is sealed)
    --json               print a summary object on standard output (needs --out)

EXIT STATUS
    0 exported, 2 usage error, a damaged backup or a compacted revision, 3 server unavailable or other error.

EXAMPLES
    kvstore export --format jsonl > keys.jsonl
    kvstore export --format jsonl --history --from-revision 1 --out history.jsonl`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('export takes no positional arguments', 'export');
    const format = stringFlag(ctx, 'format');
    if (format !== 'jsonl')
      throw usage(
        `--format: ${format === undefined ? 'required' : `"${format}" is not supported`}; use --format jsonl`,
        'export',
      );
    const history = ctx.values.history === true;
    const fromFlag = stringFlag(ctx, 'from-revision');
    if (fromFlag !== undefined && !history) throw usage('--from-revision goes with --history', 'export');
    const input = stringFlag(ctx, 'in');
    useCommandKeyRing(ctx);
    const outPath = stringFlag(ctx, 'out');
    if (ctx.global.json && outPath === undefined)
      throw usage('--json needs --out (the lines go to standard output)', 'export');

    const out = outPath === undefined ? process.stdout : createWriteStream(`${outPath}.partial`);
    const progress = startProgress('export', 'items');
    const clients = input === undefined ? connect(ctx.global) : null;
    let lines = 0;
    let revision = 0;
    const write = (line: string) => {
      lines++;
      return out.write(`${line}\n`)
        ? null
        : new Promise<void>((resolve) => out.once('drain', () => resolve()));
    };
    try {
      let source: ByteSource;
      let file: Awaited<ReturnType<typeof open>> | null = null;
      if (input !== undefined) {
        file = await open(input, 'r').catch((err: NodeJS.ErrnoException) => {
          throw new CliExit(EXIT.USAGE, `--in ${input}: cannot be read (${err.code ?? err.message})`);
        });
        source = fileSource(file);
      } else {
        let from = 0;
        if (history) {
          const status = await clients!.unary('Admin/Status', {});
          from =
            fromFlag === undefined
              ? status.compact_revision
              : wholeNumber('--from-revision', fromFlag, 1, 'export');
        }
        source = chunkSource(backupChunks(clients!, from, (d, t) => progress.update(d, t)));
      }
      const state = new KeyState();
      const firstRevision = fromFlag === undefined ? 0 : Number(fromFlag);
      let items = 0;
      const visitor: BackupVisitor = {
        header: (h) => {
          if (!history && h.kind !== 'full') {
            throw usage(
              `--in ${input}: an incremental backup holds no state; export it with --history`,
              'export',
            );
          }
          state.startAt(h.baseRevision);
        },
        entries: (entries) => {
          if (!history) for (const e of entries) state.index.appendSorted(e);
          items += entries.length;
          if (file) progress.update(items, 0);
        },
        records: async (first, payloads) => {
          for (let k = 0; k < payloads.length; k++) {
            const record = decodeRecord(first + k, payloads[k]!, { legacy: true });
            revision = record.revision;
            if (!history) state.apply(record);
            else if (record.revision >= firstRevision) {
              for (const event of record.events) await write(eventLine(record, event));
            }
          }
          items += payloads.length;
          if (file) progress.update(items, 0);
        },
      };
      try {
        await decodeBackup(source, input ?? 'the backup stream', visitor);
      } finally {
        await file?.close();
      }
      if (!history) {
        revision = state.revision;
        const now = Date.now();
        for (const entry of state.index.values()) if (isLive(entry, now)) await write(entryLine(entry));
      }
      await new Promise<void>((resolve, reject) =>
        out === process.stdout ? resolve() : out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
      if (outPath !== undefined) await rename(`${outPath}.partial`, outPath);
      progress.finish();
      if (ctx.global.json) printJson({ file: outPath, lines, revision, history });
      else
        process.stderr.write(`export: ${lines} ${history ? 'events' : 'keys'} up to revision ${revision}\n`);
      return EXIT.OK;
    } catch (err) {
      if (outPath !== undefined) {
        (out as ReturnType<typeof createWriteStream>).destroy();
        await rm(`${outPath}.partial`, { force: true });
      }
      if (err instanceof BackupFormatError || isKeyProblem(err)) throw new CliExit(EXIT.USAGE, err.message);
      throw err;
    } finally {
      clients?.close();
    }
  },
};
