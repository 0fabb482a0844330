import type { KeyValue__Output } from '../../api/generated/kvstore/v1/KeyValue.js';
import type { KeyValue, Selector } from '../../client/types.js';
import { connect, toCliExit } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
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

    When the stream breaks (the server restarts, crashes or shuts down), the watch says so on stderr,
    reconnects with backoff and resumes after the last revision it printed: no change is lost or
    printed twice. Only a server that cannot be reached (or refuses the watch) at the start ends it.

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
    0 interrupted, 2 invalid argument or a compacted --from-revision or resume point (the message gives
    the compact revision), 3 server unavailable at the start.

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
    const given = [key !== '', ctx.values.prefix !== undefined, start !== '' || end !== '', pattern !== ''];
    if (given.filter(Boolean).length > 1) {
      throw usage('watch takes one of KEY, --prefix P, --start A [--end B] and --pattern GLOB', 'watch');
    }
    const fromText = stringFlag(ctx, 'from-revision') ?? '0';
    const startRevision = Number(fromText);
    if (!Number.isInteger(startRevision) || startRevision < 0) {
      throw usage(`--from-revision: "${fromText}" is not a revision (a whole number >= 1)`, 'watch');
    }
    const clients = connect(ctx.global);
    const selector: Selector =
      pattern !== ''
        ? { pattern }
        : ctx.values.prefix !== undefined
          ? { prefix }
          : start !== '' || end !== ''
            ? { start, end }
            : { key };
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    ctx.signal?.addEventListener('abort', stop, { once: true });
    const watch = (await clients.client()).watch(selector, {
      ...(startRevision === 0 ? {} : { startRevision }),
      prevKv: ctx.values.prev === true,
      noPut: ctx.values['no-put'] === true,
      noDelete: ctx.values['no-delete'] === true,
      signal: abort.signal,
      retryFirstConnect: false,
      onReconnect: ({ error, resumeRevision }) =>
        process.stderr.write(
          `kvstore: the watch broke (${error.message}); reconnecting to resume from revision ${resumeRevision}\n`,
        ),
      onResumed: ({ endpoint, resumeRevision }) =>
        process.stderr.write(`kvstore: watch resumed on ${endpoint} from revision ${resumeRevision}\n`),
      onProgress: (current) => {
        if (ctx.values.progress === true)
          process.stderr.write(`kvstore: progress: current at revision ${current}\n`);
      },
    });
    try {
      for await (const event of watch) {
        const kv = event.kv;
        const revision = event.revision;
        let line: string;
        if (ctx.global.json) {
          const wire = toWireKv(kv);
          const type = event.type.toUpperCase();
          const base =
            event.type === 'put' ? kvJson(wire, revision) : { key: kv.key, mod_revision: revision, revision };
          const prev = event.prevKv
            ? { prev: { ...jsonValue(event.prevKv.value), ...kvJson(toWireKv(event.prevKv), revision) } }
            : {};
          line = JSON.stringify({ type, ...base, ...prev });
        } else {
          const value = event.type === 'put' ? displayValue(kv.value) : '';
          const prev = event.prevKv ? `\tprev=${displayValue(event.prevKv.value)}` : '';
          line = `${revision}\t${event.type.toUpperCase()}\t${kv.key}\t${value}${prev}`;
        }
        process.stdout.write(`${line}\n`);
      }
      return EXIT.OK;
    } catch (err) {
      throw toCliExit(err, ctx.global);
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      ctx.signal?.removeEventListener('abort', stop);
      clients.close();
    }
  },
};

/** The wire shape of a key (what the CLI's JSON output is made from). */
function toWireKv(kv: KeyValue): KeyValue__Output {
  return {
    key: kv.key,
    value: kv.value,
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    expires_at_ms: kv.expiresAt ?? 0,
  };
}
