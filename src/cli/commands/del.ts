import { connect } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { CONDITION_FLAGS, CONDITION_HELP, conditionFromFlags } from '../condition-flags.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';

export const delCommand: Command = {
  name: 'del',
  summary: 'delete a key, or every key of a prefix or pattern',
  options: { prefix: { type: 'string' }, pattern: { type: 'string' }, ...CONDITION_FLAGS },
  help: `NAME
    kvstore del - delete a key, or every key of a prefix or pattern

SYNOPSIS
    kvstore del KEY [--if-absent | --if-version N | --if-mod-revision R | --if-value V] [--json]
    kvstore del --prefix P [--json]
    kvstore del --pattern GLOB [--json]

DESCRIPTION
    Deletes KEY and prints the revision of the delete. Deleting a key that does not exist writes nothing
    and exits 1.

    With --prefix or --pattern, deletes every key under the prefix, or matching the glob ("*" one
    segment, "**" any number of segments, "/" the separator), atomically as one revision, and prints the
    number of keys deleted (up to limits.maxRangeKeys, default 100000, per call).

OPTIONS
    --prefix P             delete every key that starts with P (P must not be empty)
    --pattern GLOB         delete every key matching GLOB, e.g. 'tmp/*/lock'
${CONDITION_HELP}

EXIT STATUS
    0 deleted (for --prefix/--pattern: even when nothing matched), 1 key not found, 2 invalid argument,
    3 server unavailable or other error, 4 the condition did not hold.

EXAMPLES
    kvstore del session/42
    kvstore del --prefix tmp/
    kvstore del leader --if-value node-1`,

  async run(ctx) {
    const prefix = stringFlag(ctx, 'prefix');
    const pattern = stringFlag(ctx, 'pattern');
    const condition = conditionFromFlags(ctx, 'del');
    const clients = connect(ctx.global);
    try {
      if (prefix !== undefined || pattern !== undefined) {
        if (ctx.positionals.length > 0 || (prefix !== undefined && pattern !== undefined)) {
          throw usage('give one of KEY, --prefix or --pattern', 'del');
        }
        if (condition) throw usage('--if-* conditions apply to a single KEY', 'del');
        if (prefix === '') throw usage('--prefix must not be empty (it would delete every key)', 'del');
        const response = await clients.unary('KV/DeleteRange', {
          prefix: prefix ?? '',
          pattern: pattern ?? '',
        });
        const revision = response.header?.revision ?? 0;
        if (ctx.global.json) printJson({ deleted: response.deleted, revision });
        else process.stdout.write(`deleted ${response.deleted} (revision ${revision})\n`);
        return EXIT.OK;
      }
      if (ctx.positionals.length !== 1)
        throw usage('del takes exactly one KEY (or --prefix P, --pattern GLOB)', 'del');
      const key = ctx.positionals[0]!;
      const response = await clients.unary('KV/Delete', { key, condition: condition ?? null });
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
