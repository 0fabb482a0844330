import { connect } from '../client.js';
import type { Command } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
import { displayValue, kvJson, printJson } from '../output.js';
import { parseTxn, TxnSyntaxError } from '../txn-syntax.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const txnCommand: Command = {
  name: 'txn',
  summary: 'run a transaction read from standard input (compares, then one of two branches, atomically)',
  options: {},
  help: `NAME
    kvstore txn - run a transaction

SYNOPSIS
    kvstore txn [--json] < FILE

DESCRIPTION
    Reads a transaction from standard input and runs it atomically as one revision: if every compare
    holds, the operations after "then", otherwise those after "else". Reads see the writes before them.
    One statement per line; # starts a comment; words with spaces go in JSON "double quotes".

        if version(lock) == 0          compares: value|version|create|mod ( KEY ) ==|!=|>|< OPERAND
        if value(mode) != "read only"  (an absent key has version/create/mod 0 and no value)
        then
        set lock me --ttl 30s          set KEY VALUE [--ttl D]
        get owner                      get KEY
        del stale                      del KEY | del --prefix P | del --pattern GLOB
        list --prefix jobs/            list --prefix P | --pattern G | --start A [--end B] [--limit N]
        else
        get lock

    Input that starts with "{" is JSON: {"compare": [{"target": "version", "key": "lock", "op": "==",
    "operand": 0}], "success": [{"op": "set", "key": "lock", "value": "me", "ttl": "30s"}],
    "failure": [{"op": "get", "key": "lock"}]}. A --ttl (or "ttl") is read as by kvstore set: a bare
    number is seconds, or give a unit (500ms, 30s, 5m30s, 1h).

    At most 128 compares and 128 operations per branch; a branch writes a key at most once.

OUTPUT
    SUCCEEDED (or FAILED) and the revision, then one line per operation: the key and value of a get
    (or "(not found)"), the keys and values of a list, "set KEY", "deleted KEY", "deleted N".
    With --json, one object: succeeded, revision, results.

EXIT STATUS
    0 the compares held, 4 they did not (the else branch ran), 2 syntax or invalid argument,
    3 server unavailable or other error.

EXAMPLES
    printf 'if version(lock) == 0\\nthen\\nset lock me --ttl 30s\\nelse\\nget lock\\n' | kvstore txn`,

  async run(ctx) {
    if (ctx.positionals.length > 0)
      throw usage('txn reads the transaction from standard input, not arguments', 'txn');
    let request: ReturnType<typeof parseTxn>;
    try {
      request = parseTxn(ctx.input?.toString('utf8') ?? (await readStdin()));
    } catch (err) {
      if (err instanceof TxnSyntaxError) throw usage(`txn: ${err.message}`, 'txn');
      throw err;
    }
    const clients = connect(ctx.global);
    try {
      const res = await clients.unary('KV/Txn', request);
      const revision = res.header?.revision ?? 0;
      if (ctx.global.json) {
        printJson({
          succeeded: res.succeeded,
          revision,
          results: res.responses.map((r) => {
            if (r.get) return { get: r.get.found ? kvJson(r.get.kv!, revision) : null };
            if (r.range) return { list: r.range.kvs.map((kv) => kvJson(kv, revision)), more: r.range.more };
            if (r.set) return { set: r.set.kv?.key, version: r.set.kv?.version };
            if (r.delete) return { deleted: r.delete.deleted };
            return { deleted: r.delete_range?.deleted ?? 0 };
          }),
        });
      } else {
        const lines = [`${res.succeeded ? 'SUCCEEDED' : 'FAILED'} revision ${revision}`];
        const ops = res.succeeded ? request.success : request.failure;
        res.responses.forEach((r, i) => {
          const op = ops?.[i];
          if (r.get)
            lines.push(
              r.get.found
                ? `${r.get.kv!.key}\t${displayValue(r.get.kv!.value)}`
                : `${op?.get?.key}\t(not found)`,
            );
          else if (r.range) for (const kv of r.range.kvs) lines.push(`${kv.key}\t${displayValue(kv.value)}`);
          else if (r.set) lines.push(`set ${r.set.kv?.key}`);
          else if (r.delete)
            lines.push(r.delete.deleted ? `deleted ${op?.delete?.key}` : `${op?.delete?.key}\t(not found)`);
          else if (r.delete_range) lines.push(`deleted ${r.delete_range.deleted}`);
        });
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      return res.succeeded ? EXIT.OK : EXIT.CONDITION_FAILED;
    } finally {
      clients.close();
    }
  },
};
