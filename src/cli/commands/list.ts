import { connect } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
import { displayValue, kvJson, printJson } from '../output.js';

export const listCommand: Command = {
  name: 'list',
  summary: 'list keys by prefix or range',
  options: {
    prefix: { type: 'string' },
    pattern: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    limit: { type: 'string' },
    'keys-only': { type: 'boolean' },
    count: { type: 'boolean' },
    serializable: { type: 'boolean' },
  },
  help: `NAME
    kvstore list - list keys by prefix or range

SYNOPSIS
    kvstore list [--prefix P | --start A [--end B] | --pattern GLOB] [--limit N] [--keys-only] [--count] [--json]

DESCRIPTION
    Lists live keys in UTF-8 byte order, one per line as KEY<TAB>VALUE (values that are not UTF-8
    are shown as base64:...). Pages are fetched as needed, so everything is listed unless --limit says
    otherwise; the whole listing is read at one revision per page. In a cluster each page is a linearizable
    read; --serializable reads the node's own state (see kvstore get).

OPTIONS
    --prefix P       keys that start with P (default: every key)
    --start A        keys >= A ...
    --end B          ... and < B (no upper bound when absent)
    --pattern GLOB   keys matching a glob over "/"-separated segments: "*" matches within one
                     segment, "**" any number of segments: 'app/*/config', 'logs/**', 'a/**/z'.
                     Only keys under the literal prefix ('app/' here) are scanned.
    --limit N        at most N keys
    --keys-only      print keys without values
    --count          print only the number of keys in the prefix or range
    --json           one JSON object per key (key, value, revisions, version, expires_at)

EXIT STATUS
    0 listed (even when nothing matched), 2 invalid argument, 3 server unavailable or other error.

EXAMPLES
    kvstore list --prefix config/
    kvstore list --start a --end m --limit 10 --json
    kvstore list --pattern 'svc/*/port'`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('list takes no positional arguments (use --prefix)', 'list');
    const prefix = stringFlag(ctx, 'prefix') ?? '';
    const start = stringFlag(ctx, 'start') ?? '';
    const end = stringFlag(ctx, 'end') ?? '';
    const pattern = stringFlag(ctx, 'pattern') ?? '';
    if (pattern !== '' && (prefix !== '' || start !== '' || end !== '')) {
      throw usage('--pattern cannot be combined with --prefix/--start/--end', 'list');
    }
    if (prefix !== '' && (start !== '' || end !== ''))
      throw usage('--prefix cannot be combined with --start/--end', 'list');
    const limitFlag = stringFlag(ctx, 'limit');
    const wanted = limitFlag === undefined ? Number.POSITIVE_INFINITY : Number(limitFlag);
    if (!Number.isInteger(wanted) && wanted !== Number.POSITIVE_INFINITY)
      throw usage(`--limit: "${limitFlag}" is not a whole number`, 'list');
    if (wanted < 0) throw usage(`--limit: must not be negative`, 'list');
    const keysOnly = ctx.values['keys-only'] === true;
    const clients = connect(ctx.global);
    const serializable = ctx.values.serializable === true;
    try {
      if (ctx.values.count === true) {
        const response = await clients.unary('KV/List', {
          prefix,
          start,
          end,
          pattern,
          limit: 1,
          keys_only: true,
          count: true,
          serializable,
        });
        if (ctx.global.json) printJson({ count: response.count, revision: response.header?.revision ?? 0 });
        else process.stdout.write(`${response.count}\n`);
        return EXIT.OK;
      }
      let printed = 0;
      let pageToken = '';
      while (printed < wanted) {
        const limit = Number.isFinite(wanted) ? Math.min(wanted - printed, 1000) : 1000;
        const response = await clients.unary('KV/List', {
          prefix,
          start,
          end,
          pattern,
          limit,
          page_token: pageToken,
          keys_only: keysOnly,
          serializable,
        });
        const revision = response.header?.revision ?? 0;
        const lines: string[] = [];
        for (const kv of response.kvs) {
          if (ctx.global.json) lines.push(JSON.stringify(kvJson(kv, revision, !keysOnly)));
          else lines.push(keysOnly ? kv.key : `${kv.key}\t${displayValue(kv.value)}`);
        }
        if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
        printed += response.kvs.length;
        if (!response.more) break;
        pageToken = response.next_page_token;
      }
      return EXIT.OK;
    } finally {
      clients.close();
    }
  },
};
