import { formatMs, parseDuration } from '../../config/units.js';
import { type Clients, connect } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { CONDITION_FLAGS, CONDITION_HELP, conditionFromFlags } from '../condition-flags.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';

/** Values above this size are checked against the server's limit before they are sent. */
const CHECK_ABOVE_BYTES = 64 * 1024;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The server refused the TTL (it names the wire field, ttl_ms). */
function isTtlRefusal(err: unknown): boolean {
  return err instanceof CliExit && err.code === EXIT.USAGE && err.message.startsWith('ttl_ms:');
}

/** Says what the user typed and the server's limit, in the units of the flag. */
async function ttlLimitError(clients: Clients, ttl: string): Promise<CliExit> {
  const status = await clients.unary('Admin/Status', {}).catch(() => undefined);
  const limit = status?.limits?.max_ttl_ms;
  const over = limit
    ? `is over the server's limit of ${formatMs(limit)} (limits.maxTtl)`
    : 'is over the server limit';
  return usage(`--ttl: "${ttl}" ${over}`);
}

export const setCommand: Command = {
  name: 'set',
  summary: 'set a key to a value, optionally with a time to live',
  options: { ttl: { type: 'string' }, ...CONDITION_FLAGS },
  help: `NAME
    kvstore set - set a key to a value

SYNOPSIS
    kvstore set KEY VALUE [--ttl DURATION] [--if-absent | --if-version N | --if-mod-revision R | --if-value V]
    kvstore set KEY - [--ttl DURATION] [...]      (value read from standard input)

DESCRIPTION
    Writes VALUE (or, with "-", all of standard input, byte for byte) to KEY and prints the revision of
    the write once it is durable. Keys are 1..4096 bytes of UTF-8, values up to 1 MiB (the server's
    limits; a value over the limit is refused before it is sent).

OPTIONS
    --ttl DURATION
        The key expires DURATION after the write. A bare number is SECONDS (--ttl 10 is ten seconds, as
        in etcd and Redis); with a unit: 500ms, 30s, 5m, 1h, 7d, or compounds such as 5m30s and 1h30m.
        Up to the server's limits.maxTtl (default 365d). Reads stop returning the key at once; an
        EXPIRE event follows in the log within 100 ms.
${CONDITION_HELP}

EXIT STATUS
    0 written, 2 invalid argument (empty or over-long key, value over the limit, bad --ttl),
    3 server unavailable or other error, 4 the condition did not hold (nothing written).

EXAMPLES
    kvstore set config/feature-x on
    kvstore set session/42 "$TOKEN" --ttl 30m
    kvstore set lock me --ttl 10                 (ten seconds)
    kvstore set counter -1                       (negative values need no "--")
    kvstore set leader node-1 --if-absent
    kvstore set blobs/logo - < logo.png`,

  async run(ctx) {
    if (ctx.positionals.length !== 2)
      throw usage('set takes KEY and VALUE (or - to read standard input)', 'set');
    const [key, valueArg] = ctx.positionals as [string, string];
    let ttlMs: number | undefined;
    const ttl = stringFlag(ctx, 'ttl');
    if (ttl !== undefined) {
      const parsed = parseDuration(ttl, 's');
      if (parsed === null || parsed <= 0) {
        throw usage(
          `--ttl: "${ttl}" is not a positive duration (examples: 30 = 30s, 500ms, 5m30s, 1h, 7d)`,
          'set',
        );
      }
      ttlMs = parsed;
    }
    const condition = conditionFromFlags(ctx, 'set');
    const value = valueArg === '-' ? await readStdin() : Buffer.from(valueArg, 'utf8');
    const clients = connect(ctx.global);
    try {
      if (value.length > CHECK_ABOVE_BYTES) {
        const status = await clients.unary('Admin/Status', {});
        const limit = status.limits?.max_value_bytes ?? 0;
        if (limit > 0 && value.length > limit) {
          throw usage(`value: is ${value.length} bytes, over the server's limit of ${limit} bytes`);
        }
      }
      const request = {
        key,
        value,
        condition: condition ?? null,
        ...(ttlMs === undefined ? {} : { ttl_ms: ttlMs }),
      };
      const response = await clients.unary('KV/Set', request).catch(async (err: unknown) => {
        throw ttl !== undefined && isTtlRefusal(err) ? await ttlLimitError(clients, ttl) : err;
      });
      const revision = response.header?.revision ?? 0;
      if (ctx.global.json) {
        const kv = response.kv;
        printJson({
          key,
          revision,
          create_revision: kv?.create_revision,
          version: kv?.version,
          expires_at: kv?.expires_at_ms ? new Date(kv.expires_at_ms).toISOString() : null,
        });
      } else {
        process.stdout.write(`OK revision ${revision}\n`);
      }
      return EXIT.OK;
    } finally {
      clients.close();
    }
  },
};
