import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config/load.js';
import { parseDuration } from '../config/units.js';
import { VERSION } from '../version.js';
import type { Command, GlobalOptions } from './command.js';
import { backupCommand } from './commands/backup.js';
import { checkCommand } from './commands/check.js';
import { compactCommand } from './commands/compact.js';
import { delCommand } from './commands/del.js';
import { exportCommand } from './commands/export.js';
import { getCommand } from './commands/get.js';
import { hashCommand } from './commands/hash.js';
import { importCommand } from './commands/import.js';
import { listCommand } from './commands/list.js';
import { restoreCommand } from './commands/restore.js';
import { serveCommand } from './commands/serve.js';
import { setCommand } from './commands/set.js';
import { statusCommand } from './commands/status.js';
import { subscribeCommand } from './commands/subscribe.js';
import { txnCommand } from './commands/txn.js';
import { watchCommand } from './commands/watch.js';
import { CliExit, EXIT, usage } from './exit-codes.js';

const COMMANDS: readonly Command[] = [
  serveCommand,
  getCommand,
  setCommand,
  delCommand,
  listCommand,
  txnCommand,
  watchCommand,
  subscribeCommand,
  statusCommand,
  backupCommand,
  restoreCommand,
  checkCommand,
  compactCommand,
  hashCommand,
  exportCommand,
  importCommand,
];

const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  addr: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

const MAIN_HELP = `NAME
    kvstore - an event-sourced key-value store you can watch

SYNOPSIS
    kvstore COMMAND [ARGUMENTS] [OPTIONS]
    kvstore COMMAND --help

COMMANDS
${COMMANDS.map((c) => `    ${c.name.padEnd(10)}${c.summary}`).join('\n')}

GLOBAL OPTIONS
    --addr HOST:PORT     server to talk to (env KVSTORE_ADDR; default 127.0.0.1:50051)
    --timeout DURATION   give up on a request after this long (default 5s; e.g. 500ms, 30s)
    --json               machine-readable output: one JSON object per line
    -h, --help           this text, or a command's own with kvstore COMMAND --help
    --version            print the version

EXIT STATUS
    0  done
    1  key not found
    2  usage error or invalid argument (the message names the field and the limit)
    3  server unavailable, timeout, or any other error
    4  a condition of a conditional write did not hold
    Errors are one line on standard error.

EXAMPLES
    kvstore serve                      # gRPC on 127.0.0.1:50051, data in ./data
    kvstore set greeting hello --ttl 1h
    kvstore get greeting
    kvstore list --prefix app/ --json

See README.md and docs/ for the configuration, the wire contract and operations.`;

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
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === null || timeoutMs <= 0)
    throw usage(`--timeout: "${timeoutText}" is not a positive duration (e.g. 500ms, 30s)`);
  const addr =
    typeof values.addr === 'string' ? values.addr : (process.env.KVSTORE_ADDR ?? '127.0.0.1:50051');
  if (!/^[^\s]+:\d{1,5}$/.test(addr)) throw usage(`--addr: "${addr}" is not HOST:PORT`);
  return { addr, timeoutMs, json: values.json === true };
}

/** Runs the command line and resolves with the exit code (errors already printed). */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { name, rest } = splitCommand(argv);
    const command = COMMANDS.find((c) => c.name === name);
    if (name !== undefined && !command) throw usage(`unknown command "${name}" (see kvstore --help)`);
    if (!command) {
      const { values } = parseArgs({ args: rest, options: GLOBAL_OPTIONS, strict: false });
      if (values.version) process.stdout.write(`kvstore ${VERSION}\n`);
      else process.stdout.write(`${MAIN_HELP}\n`);
      return values.help || values.version ? EXIT.OK : EXIT.USAGE;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...GLOBAL_OPTIONS, ...command.options },
        strict: true,
        allowPositionals: true,
      });
    } catch (err) {
      throw usage(
        (err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''),
        command.name,
      );
    }
    if (parsed.values.help) {
      process.stdout.write(`${command.help}\n`);
      return EXIT.OK;
    }
    return await command.run({
      positionals: parsed.positionals,
      values: parsed.values,
      global: globalOptions(parsed.values),
    });
  } catch (err) {
    if (err instanceof CliExit) {
      process.stderr.write(`kvstore: ${err.message}\n`);
      return err.code;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`kvstore: ${err.message}\n`);
      return EXIT.USAGE;
    }
    process.stderr.write(`kvstore: ${(err as Error).message ?? String(err)}\n`);
    return EXIT.UNAVAILABLE;
  }
}
