import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { TlsOptions } from '../client/wire/unary-channel.js';
import { parseDuration } from '../config/units.js';
import { VERSION } from '../version.js';
import type { Command, GlobalOptions } from './command.js';
import { CliExit, EXIT, usage } from './exit-codes.js';
import { exitQuietlyWhenOutputCloses } from './output.js';

/**
 * A command, or where to load it from. Entries with `load` import their module only when that command
 * runs, so `kvstore get` does not load the server, NATS or backup code (CLI start-up: docs/benchmarks.md).
 */
type CommandEntry = Command | { readonly name: string; load(): Promise<Command> };

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', load: async () => (await import('./commands/serve.js')).serveCommand },
  { name: 'get', load: async () => (await import('./commands/get.js')).getCommand },
  { name: 'set', load: async () => (await import('./commands/set.js')).setCommand },
  { name: 'del', load: async () => (await import('./commands/del.js')).delCommand },
  { name: 'list', load: async () => (await import('./commands/list.js')).listCommand },
  { name: 'txn', load: async () => (await import('./commands/txn.js')).txnCommand },
  { name: 'watch', load: async () => (await import('./commands/watch.js')).watchCommand },
  { name: 'subscribe', load: async () => (await import('./commands/subscribe.js')).subscribeCommand },
  { name: 'status', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'backup', load: async () => (await import('./commands/backup.js')).backupCommand },
  { name: 'restore', load: async () => (await import('./commands/restore.js')).restoreCommand },
  { name: 'check', load: async () => (await import('./commands/check.js')).checkCommand },
  { name: 'reencrypt', load: async () => (await import('./commands/reencrypt.js')).reencryptCommand },
  { name: 'doctor', load: async () => (await import('./commands/doctor.js')).doctorCommand },
  { name: 'plan', load: async () => (await import('./commands/plan.js')).planCommand },
  { name: 'compact', load: async () => (await import('./commands/compact.js')).compactCommand },
  { name: 'hash', load: async () => (await import('./commands/hash.js')).hashCommand },
  { name: 'export', load: async () => (await import('./commands/export.js')).exportCommand },
  { name: 'import', load: async () => (await import('./commands/import.js')).importCommand },
  { name: 'auth', load: async () => (await import('./commands/auth.js')).authCommand },
  { name: 'shell', load: async () => (await import('./commands/shell.js')).shellCommand },
];

export function loadCommand(entry: CommandEntry): Promise<Command> {
  return 'load' in entry ? entry.load() : Promise.resolve(entry);
}

export const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  addr: { type: 'string' },
  timeout: { type: 'string' },
  'api-key': { type: 'string' },
  cacert: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

async function mainHelp(): Promise<string> {
  const commands = await Promise.all(COMMANDS.map(loadCommand));
  return `NAME
    kvstore - an event-sourced key-value store you can watch

SYNOPSIS
    kvstore COMMAND [ARGUMENTS] [OPTIONS]
    kvstore help [COMMAND]

COMMANDS
${commands.map((c) => `    ${c.name.padEnd(10)}${c.summary}`).join('\n')}
    ${'help'.padEnd(10)}this text, or a command's own: kvstore help COMMAND (or kvstore COMMAND --help)

GLOBAL OPTIONS
    --addr HOST:PORT     server to talk to (env KVSTORE_ADDR; default 127.0.0.1:50051); several, comma-
                         separated (cluster nodes): the next is tried when one cannot be reached
    --timeout DURATION   give up on a request after this long (default 5s; e.g. 500ms, 30s, 2 = 2s)
    --api-key KEY        sent as "authorization: Bearer KEY" (env KVSTORE_API_KEY, which other users
                         cannot read in ps; needed when the server has security.apiKeysFile set)
    --cacert FILE        connect over TLS, trusting the CA certificates (PEM) in FILE (env KVSTORE_CACERT)
    --cert FILE, --key FILE
                         client certificate and key (PEM) for a server that asks for one (mTLS; env
                         KVSTORE_CERT, KVSTORE_KEY); either of them alone also means TLS
    --json               machine-readable output: one JSON object per line
    -h, --help           this text, or a command's own with kvstore COMMAND --help
    --version            print the version

DURATIONS
    Flags that take a DURATION (--ttl, --timeout) accept 500ms, 30s, 5m, 1h, 7d and compounds such as
    5m30s or 1h30m; a bare number is SECONDS (--ttl 10 is ten seconds), as in etcd and Redis.

NUMBERS
    Values may be negative without "--": kvstore set counter -1 stores "-1".

EXIT STATUS
${EXIT_STATUS_TEXT}

EXAMPLES
    kvstore serve                      # gRPC on 127.0.0.1:50051, data in ./data
    kvstore set greeting hello --ttl 1h
    kvstore get greeting
    kvstore list --prefix app/ --json

See README.md and docs/ for the configuration, the wire contract and operations.`;
}

const EXIT_STATUS_TEXT = `    0  done
    1  key not found (serve: the shutdown failed or was cut short)
    2  usage error or invalid argument (the message names the field and the limit)
    3  no answer (server unreachable, timeout), or the server answered UNAVAILABLE or another error:
       the message says which and what the server said (serve: cannot start, e.g. its port is in use)
    4  a condition of a conditional write did not hold
    5  kvstore check found problems in the data directory, or kvstore doctor found problems
    Errors are one line on standard error; a usage error adds the command's synopsis.`;

const MAIN_USAGE = `usage: kvstore COMMAND [ARGUMENTS] [OPTIONS]
       kvstore help [COMMAND]`;

/** The SYNOPSIS lines of a command's help, as a `usage:` block. */
function usageOf(command: Command): string {
  const synopsis = /\nSYNOPSIS\n([\s\S]*?)\n\n/.exec(command.help)?.[1] ?? `    kvstore ${command.name} ...`;
  const lines = synopsis.split('\n').map((l) => l.trim());
  return `${lines.map((l, i) => `${i === 0 ? 'usage: ' : '       '}${l}`).join('\n')}\nSee kvstore help ${command.name}.`;
}

/** The one-line form of a node:util parseArgs error. */
function parseError(err: unknown): string {
  return (err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '');
}

/**
 * node:util parseArgs reads "-1" as an option. No kvstore option is a digit, so a token that looks like a
 * negative number is a value: it is hidden behind a NUL (never present in real arguments) while parsing.
 */
const NEGATIVE = /^-\d/;
const HIDDEN = '\u0000';

function hideNegativeNumbers(argv: readonly string[]): string[] {
  return argv.map((a) => (NEGATIVE.test(a) ? HIDDEN + a : a));
}

function unhide<T>(value: T): T {
  if (typeof value === 'string') return (value.startsWith(HIDDEN) ? value.slice(1) : value) as T;
  if (Array.isArray(value)) return value.map(unhide) as T;
  return value;
}

/** Finds the command name: the first argument that is neither an option nor an option's value. */
function splitCommand(argv: readonly string[]): { name: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      const name = arg.replace(/^--?/, '');
      if (GLOBAL_OPTIONS[name]?.type === 'string' && !arg.includes('=')) i++;
      continue;
    }
    return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: [...argv] };
}

function globalOptions(values: Record<string, unknown>): GlobalOptions {
  const timeoutText = typeof values.timeout === 'string' ? values.timeout : '5s';
  const timeoutMs = parseDuration(timeoutText, 's');
  if (timeoutMs === null || timeoutMs <= 0)
    throw usage(
      `--timeout: "${timeoutText}" is not a positive duration (e.g. 500ms, 30s, 1m30s; a bare number is seconds)`,
    );
  const addr =
    typeof values.addr === 'string' ? values.addr : (process.env.KVSTORE_ADDR ?? '127.0.0.1:50051');
  if (!addr.split(',').every((a) => /^[^\s,]+:\d{1,5}$/.test(a))) {
    throw usage(`--addr: "${addr}" is not HOST:PORT (or a comma-separated list of them)`);
  }
  const apiKey =
    typeof values['api-key'] === 'string' ? values['api-key'] : process.env.KVSTORE_API_KEY || undefined;
  if (apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey))
    throw usage(
      '--api-key: an API key is printable ASCII without spaces (as kvstore auth key create prints it)',
    );
  const tls = tlsOptions(values);
  return {
    addr,
    timeoutMs,
    json: values.json === true,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(tls === undefined ? {} : { tls }),
  };
}

/** --cacert/--cert/--key (or KVSTORE_CACERT/CERT/KEY): the files' contents; undefined = plaintext. */
function tlsOptions(values: Record<string, unknown>): TlsOptions | undefined {
  const file = (flag: string, env: string) => {
    const path = typeof values[flag] === 'string' ? (values[flag] as string) : process.env[env] || undefined;
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw usage(`--${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  };
  const ca = file('cacert', 'KVSTORE_CACERT');
  const cert = file('cert', 'KVSTORE_CERT');
  const key = file('key', 'KVSTORE_KEY');
  if ((cert === undefined) !== (key === undefined))
    throw usage('--cert and --key go together (a client certificate and its key)');
  if (ca === undefined && cert === undefined) return undefined;
  return { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert, key: key! }) };
}

/** `kvstore help [COMMAND]`: the main help, or a command's own. */
async function help(args: readonly string[]): Promise<number> {
  const name = args.find((a) => !a.startsWith('-'));
  if (name === undefined || name === 'help') {
    process.stdout.write(`${await mainHelp()}\n`);
    return EXIT.OK;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw usage(`unknown command "${name}" (see kvstore --help)`);
  process.stdout.write(`${(await loadCommand(entry)).help}\n`);
  return EXIT.OK;
}

/**
 * Runs the command line and resolves with the exit code (errors already printed). The shell runs each of
 * its lines through here, with its Ctrl-C as `signal` and a multi-line txn as `input`.
 */
export async function main(
  argv: readonly string[],
  session: { signal?: AbortSignal; input?: Buffer } = {},
): Promise<number> {
  exitQuietlyWhenOutputCloses();
  try {
    const split = splitCommand(hideNegativeNumbers(argv));
    const name = unhide(split.name);
    const rest = split.rest;
    if (name === 'help') return await help(rest.map(unhide));
    const entry = COMMANDS.find((c) => c.name === name);
    if (name !== undefined && !entry) throw usage(`unknown command "${name}" (see kvstore --help)`);
    if (!entry) {
      let values: Record<string, unknown>;
      try {
        ({ values } = parseArgs({ args: rest, options: GLOBAL_OPTIONS, strict: true }));
      } catch (err) {
        throw new CliExit(EXIT.USAGE, `${parseError(err)}\n${MAIN_USAGE}`);
      }
      if (values.version) process.stdout.write(`kvstore ${VERSION}\n`);
      else process.stdout.write(`${await mainHelp()}\n`);
      return values.help || values.version ? EXIT.OK : EXIT.USAGE;
    }
    const command = await loadCommand(entry);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...command.options },
        strict: true,
        allowPositionals: true,
      });
    } catch (err) {
      throw new CliExit(EXIT.USAGE, `${parseError(err)}\n${usageOf(command)}`);
    }
    if (parsed.values.help) {
      process.stdout.write(`${command.help}\n`);
      return EXIT.OK;
    }
    const values = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k, unhide(v)]));
    return await command.run({
      positionals: parsed.positionals.map(unhide),
      values,
      global: globalOptions(values),
      ...session,
    });
  } catch (err) {
    if (err instanceof CliExit) {
      process.stderr.write(`kvstore: ${err.message}\n`);
      return err.code;
    }
    process.stderr.write(`kvstore: ${(err as Error).message ?? String(err)}\n`);
    return EXIT.UNAVAILABLE;
  }
}
