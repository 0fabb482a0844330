import { ConfigError, formatConfig, loadConfig } from '../../config/load.js';
import { createLogger } from '../../config/logging.js';
import { SETTINGS } from '../../config/settings.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { handleSignals } from '../serve-signals.js';

const settingFlags = Object.fromEntries(SETTINGS.map((s) => [s.flag.slice(2), { type: 'string' as const }]));

const settingsHelp = SETTINGS.map(
  (s) =>
    `    ${s.flag} VALUE   (${s.env}; default ${s.show(s.default) || '""'})\n        ${s.description}; ${s.allowed}`,
).join('\n');

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the kvstore server',
  options: {
    ...settingFlags,
    config: { type: 'string' },
    'print-config': { type: 'boolean' },
    'accept-log-truncation': { type: 'boolean' },
    insecure: { type: 'boolean' },
  },
  help: `NAME
    kvstore serve - run the kvstore server

SYNOPSIS
    kvstore serve [--grpc-listen HOST:PORT] [--data-dir DIR] [--config FILE] [SETTING FLAGS] [--print-config]

DESCRIPTION
    Serves the gRPC API (kvstore.v1.KV, kvstore.v1.Admin, grpc.health.v1, server reflection) with the
    event log in DIR/log.sqlite. Configuration comes from defaults, then the --config file (YAML or
    JSON), then KVSTORE_* environment variables, then flags; later sources win.

    On SIGTERM or SIGINT the server stops accepting calls, lets in-flight calls finish (up to
    --shutdown-timeout), flushes the log, writes a checkpoint and exits 0.

OPTIONS
    --config FILE
        YAML or JSON file of settings, nested by their dotted names (grpc: {listen: ...}).
    --print-config
        Print the resulting configuration with the source of each value, and exit.
    --accept-log-truncation
        Short for --data-accept-log-truncation true: start although a checkpoint or the NATS cursor
        shows the log lost acknowledged writes (docs/operations.md).
    --insecure
        Short for --security-insecure true: serve on a non-loopback address although no authentication
        is configured (otherwise such a start is refused; docs/security.md).
${settingsHelp}

EXIT STATUS
    0  clean shutdown (SIGTERM or SIGINT)
    1  the shutdown failed, did not finish within --shutdown-timeout + 15 s (the process exits then,
       whatever holds it), or a second signal cut it short
    2  invalid configuration or usage (the message names the setting)
    3  cannot start: an address is in use or not available (--grpc-listen, --http-listen), or the
       data directory cannot be used; one line on standard error says which

EXAMPLES
    kvstore serve
    kvstore serve --grpc-listen 0.0.0.0:50051 --security-api-keys-file keys.yaml --data-dir /var/lib/kvstore
    KVSTORE_DATA_DURABILITY=relaxed kvstore serve --print-config`,

  async run(ctx) {
    if (ctx.positionals.length > 0)
      throw usage(`serve takes no positional arguments (got "${ctx.positionals[0]}")`, 'serve');
    const flags = new Map<string, string>();
    for (const s of SETTINGS) {
      const v = stringFlag(ctx, s.flag.slice(2));
      if (v !== undefined) flags.set(s.key, v);
    }
    if (ctx.values['accept-log-truncation'] === true) flags.set('data.acceptLogTruncation', 'true');
    if (ctx.values.insecure === true) flags.set('security.insecure', 'true');
    let loaded: ReturnType<typeof loadConfig>;
    try {
      loaded = loadConfig({ file: stringFlag(ctx, 'config'), env: process.env, flags });
    } catch (err) {
      if (err instanceof ConfigError) throw new CliExit(EXIT.USAGE, err.message);
      throw err;
    }
    if (ctx.values['print-config'] === true) {
      process.stdout.write(formatConfig(loaded, ctx.global.json));
      return EXIT.OK;
    }
    const logger = createLogger(loaded.config.log);
    // Imported here so that client commands do not load the server's modules.
    const [{ startServer }, { routeGrpcLogs }] = await Promise.all([
      import('../../server/start-server.js'),
      import('../../api/listen-error.js'),
    ]);
    routeGrpcLogs(logger);
    const signals = handleSignals(logger, loaded.config.shutdown.timeoutMs);
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(loaded.config, logger);
    } catch (err) {
      logger.fatal({ err: (err as Error).message }, 'cannot start');
      logger.flush();
      throw new CliExit(EXIT.CANNOT_START, (err as Error).message);
    }
    return signals.serve(server);
  },
};
