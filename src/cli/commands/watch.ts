import type { ServiceError } from '@grpc/grpc-js';
import type { WatchResponse__Output } from '../../api/generated/kvstore/v1/WatchResponse.js';
import { connect, toCliExit } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { displayValue, jsonValue, kvJson } from '../output.js';

export const watchCommand: Command = {
  name: 'watch',
  summary: 'print every change of a key, prefix or range as it happens (or from a revision)',
  options: {
    prefix: { type: 'string' },
    pattern: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    'from-revision': { type: 'string' },
    prev: { type: 'boolean' },
    'no-put': { type: 'boolean' },
    'no-delete': { type: 'boolean' },
    progress: { type: 'boolean' },
  },
  help: `NAME
    kvstore watch - follow changes of a key, a prefix or a range

SYNOPSIS
    kvstore watch KEY [OPTIONS]
    kvstore watch --prefix P [OPTIONS]
    kvstore watch --start A [--end B] [OPTIONS]
    kvstore watch --pattern GLOB [OPTIONS]

DESCRIPTION
    Prints one line per change, in revision order, each revision exactly once, until interrupted:
        REVISION<TAB>PUT|DELETE|EXPIRE<TAB>KEY<TAB>VALUE
    Values that are not UTF-8 are shown as base64:...; deletes and expiries have an empty value.
    With --from-revision R, the history from R is replayed from the durable log first, then live
    changes follow with no gap. Ctrl-C ends the watch (exit 0).

OPTIONS
    --prefix P            watch every key that starts with P ("" = every key)
    --start A --end B     watch keys >= A and < B (no --end: no upper bound)
    --pattern GLOB        watch keys matching a glob ("*" one segment, "**" any number)
    --from-revision R     start at revision R (inclusive); default: only changes from now on
    --prev                also show the value before each change (JSON: "prev")
    --no-put              leave out puts
    --no-delete           leave out deletes and expiries
    --progress            print progress notes (the watch is current up to a revision) to stderr
    --json                one JSON object per change: revision, type, key, value, create_revision,
                          mod_revision, version, expires_at, prev

EXIT STATUS
    0 interrupted, 2 invalid argument or a compacted --from-revision (the message gives the compact
    revision), 3 server unavailable or the stream broke.

EXAMPLES
    kvstore watch config/feature-x
    kvstore watch --prefix jobs/ --from-revision 1200 --json`,

  async run(ctx) {
    if (ctx.positionals.length > 1) throw usage('watch takes at most one KEY', 'watch');
    const key = ctx.positionals[0] ?? '';
    const prefix = stringFlag(ctx, 'prefix') ?? '';
    const start = stringFlag(ctx, 'start') ?? '';
    const end = stringFlag(ctx, 'end') ?? '';
    const pattern = stringFlag(ctx, 'pattern') ?? '';
    if (key === '' && ctx.values.prefix === undefined && start === '' && end === '' && pattern === '') {
      throw usage('watch needs a KEY, --prefix P, --start A or --pattern GLOB', 'watch');
    }
    const fromText = stringFlag(ctx, 'from-revision') ?? '0';
    const startRevision = Number(fromText);
    if (!Number.isInteger(startRevision) || startRevision < 0) {
      throw usage(`--from-revision: "${fromText}" is not a revision (a whole number >= 1)`, 'watch');
    }
    const clients = connect(ctx.global);
    const { kv } = await clients.streams();
    const stream = kv.Watch({
      key,
      prefix,
      start,
      end,
      pattern,
      start_revision: startRevision,
      prev_kv: ctx.values.prev === true,
      no_put: ctx.values['no-put'] === true,
      no_delete: ctx.values['no-delete'] === true,
    });
    return new Promise<number>((resolve, reject) => {
      const stop = () => {
        stream.cancel();
        clients.close();
        resolve(EXIT.OK);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      stream.on('data', (response: WatchResponse__Output) => {
        if (response.progress) {
          const current = response.header?.revision ?? 0;
          if (ctx.values.progress === true)
            process.stderr.write(`kvstore: progress: current at revision ${current}\n`);
          return;
        }
        const lines: string[] = [];
        for (const event of response.events) {
          const kv = event.kv!;
          // A message may hold several revisions: each event carries its own.
          const revision = kv.mod_revision;
          if (ctx.global.json) {
            const base =
              event.type === 'PUT' ? kvJson(kv, revision) : { key: kv.key, mod_revision: revision, revision };
            const prev = event.prev_kv
              ? { prev: { ...jsonValue(event.prev_kv.value), ...kvJson(event.prev_kv, revision) } }
              : {};
            lines.push(JSON.stringify({ type: event.type, ...base, ...prev }));
          } else {
            const value = event.type === 'PUT' ? displayValue(kv.value) : '';
            const prev = event.prev_kv ? `\tprev=${displayValue(event.prev_kv.value)}` : '';
            lines.push(`${revision}\t${event.type}\t${kv.key}\t${value}${prev}`);
          }
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      });
      stream.on('error', (err: ServiceError) => {
        clients.close();
        if (err.code === 1 /* CANCELLED by us */) return resolve(EXIT.OK);
        reject(toCliExit(err, ctx.global));
      });
      stream.on('end', () => {
        clients.close();
        reject(new CliExit(EXIT.UNAVAILABLE, 'the server ended the watch'));
      });
    });
  },
};
