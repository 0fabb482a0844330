import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { KvClient } from '../../client/client.js';
import type { Clients } from '../client.js';
import { connect, toCliExit } from '../client.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import type { ImportOp } from '../jsonl.js';
import { parseImportLine } from '../jsonl.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';
import { wholeNumber } from '../revision-flag.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'write keys (or replay an event history) from JSON Lines into a running server',
  options: { in: { type: 'string' }, history: { type: 'boolean' }, concurrency: { type: 'string' } },
  help: `NAME
    kvstore import - write keys from JSON Lines into a running server

SYNOPSIS
    kvstore import [--in FILE] [--concurrency N] [--json]
    kvstore import --history [--in FILE] [--concurrency N] [--json]

DESCRIPTION
    Reads the lines kvstore export writes (from FILE, or standard input) and sends them to the server as
    ordinary writes: {"key","value" or "value_base64","expires_at"} becomes a Set (with the time to
    live that remains until expires_at; a key already expired is skipped). Other fields are ignored.

    With --history, lines are events in order: a put becomes a Set, a delete and an expire become a
    Delete. The target assigns its own revisions, create revisions and versions, and commit times are
    those of the import: an import reproduces the data, not the history's numbers (kvstore restore
    does that). A record of several events is imported one event at a time.

    Writes to the same key keep their order. Writes to different keys run up to N at a time (default
    64 for keys, 1 for --history, so the target's history follows the source's order exactly).
    Keys written at the same time go as one SetMany (one revision for the batch), so an import takes
    far fewer revisions than keys.
    A bad line stops the import there; the lines before it have been written.

OPTIONS
    --in FILE          read FILE instead of standard input
    --history          the lines are events (kvstore export --history)
    --concurrency N    writes in flight at most (1 to 1024)
    --json             print a summary object

EXIT STATUS
    0 imported, 2 a bad line or a key or value over the server's limits, 3 server unavailable or
    other error.

EXAMPLES
    kvstore export --format jsonl --addr old:50051 | kvstore import --addr new:50051
    kvstore import --history --in history.jsonl`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('import takes no positional arguments (use --in)', 'import');
    const history = ctx.values.history === true;
    const flag = stringFlag(ctx, 'concurrency');
    const concurrency =
      flag === undefined ? (history ? 1 : 64) : wholeNumber('--concurrency', flag, 1, 'import');
    if (concurrency > 1024) throw usage('--concurrency: at most 1024', 'import');
    const input = stringFlag(ctx, 'in');
    if (input !== undefined) {
      await access(input).catch((err: NodeJS.ErrnoException) => {
        throw new CliExit(EXIT.USAGE, `--in ${input}: cannot be read (${err.code ?? err.message})`);
      });
    }
    const stream = input === undefined ? process.stdin : createReadStream(input);
    const clients = connect(ctx.global);
    // Keys (not --history, whose events must keep the source's order): concurrent Sets go as batches.
    const sets = history ? null : await batchedSets(clients);
    const progress = startProgress('import', 'lines');
    const counts = { puts: 0, deletes: 0, expired: 0, absent: 0, first: 0, last: 0 };
    const inFlight = new Map<string, Promise<void>>();
    let failure: unknown = null;
    let line = 0;
    try {
      for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
        line++;
        if (text.trim() === '') continue;
        if (failure !== null) break;
        const op = parseImportLine(text, line, history);
        while (inFlight.size >= concurrency) await Promise.race(inFlight.values());
        const previous = inFlight.get(op.key);
        const at = line;
        const write: Promise<void> = (async () => {
          if (previous) await previous;
          if (failure !== null) return;
          try {
            await send(clients, sets, op, counts);
          } catch (err) {
            failure ??= err instanceof CliExit ? new CliExit(err.code, `line ${at}: ${err.message}`) : err;
          }
        })().finally(() => {
          if (inFlight.get(op.key) === write) inFlight.delete(op.key);
          progress.update(line - inFlight.size, 0);
        });
        inFlight.set(op.key, write);
      }
      await Promise.all(inFlight.values());
      if (failure !== null) throw failure;
    } finally {
      await Promise.allSettled(inFlight.values());
      sets?.close();
      clients.close();
    }
    progress.finish();
    const summary = {
      puts: counts.puts,
      deletes: counts.deletes,
      skipped_expired: counts.expired,
      skipped_absent: counts.absent,
      first_revision: counts.first,
      last_revision: counts.last,
    };
    if (ctx.global.json) printJson(summary);
    else {
      process.stdout.write(
        `imported ${counts.puts} puts and ${counts.deletes} deletes` +
          (counts.first > 0 ? ` (revisions ${counts.first}..${counts.last})` : '') +
          `; skipped ${counts.expired} expired and ${counts.absent} deletes of absent keys\n`,
      );
    }
    return EXIT.OK;
  },
};

/** A client of its own that batches concurrent Sets into SetMany calls (docs/client.md, "Batching Sets"). */
async function batchedSets(clients: Clients): Promise<KvClient> {
  const { KvClient } = await import('../../client/client.js');
  return new KvClient({
    endpoints: clients.options.addr.split(','),
    timeoutMs: clients.options.timeoutMs,
    apiKey: clients.options.apiKey,
    ...(clients.options.tls === undefined ? {} : { tls: clients.options.tls }),
    batch: {},
  });
}

async function send(
  clients: Clients,
  sets: KvClient | null,
  op: ImportOp,
  counts: { puts: number; deletes: number; expired: number; absent: number; first: number; last: number },
): Promise<void> {
  let revision = 0;
  if (op.type === 'put') {
    const ttl = op.expiresAt === 0 ? undefined : op.expiresAt - Date.now();
    if (ttl !== undefined && ttl <= 0) {
      counts.expired++;
      return;
    }
    if (sets) {
      try {
        revision = (await sets.set(op.key, op.value, ttl === undefined ? {} : { ttlMs: ttl })).revision;
      } catch (err) {
        throw toCliExit(err, clients.options);
      }
    } else {
      const request = { key: op.key, value: op.value, ...(ttl === undefined ? {} : { ttl_ms: ttl }) };
      revision = (await clients.unary('KV/Set', request)).header?.revision ?? 0;
    }
    counts.puts++;
  } else {
    const r = await clients.unary('KV/Delete', { key: op.key });
    if (!r.deleted) {
      counts.absent++;
      return;
    }
    revision = r.header?.revision ?? 0;
    counts.deletes++;
  }
  if (counts.first === 0 || revision < counts.first) counts.first = revision;
  counts.last = Math.max(counts.last, revision);
}
