import { formatLogUrl, LOG_URL_FORMS, type LogUrl, parseLogUrl } from '../log/log-url.js';
import type { Config } from './config.js';
import { boolean, duration, oneOf, type Setting, setting, showMs } from './setting.js';

/** Running it: the log backend, logging, shutdown, tracing. */
export const OPERATIONS_SETTINGS: readonly Setting[] = [
  setting(
    'log.url',
    { scheme: 'sqlite', path: null },
    'where the event log lives: SQLite in the data directory (default), or a NATS JetStream stream shared by a cluster (docs/cluster.md)',
    LOG_URL_FORMS,
    (raw) => {
      if (typeof raw !== 'string') return null;
      try {
        return parseLogUrl(raw);
      } catch {
        return null;
      }
    },
    (value) => formatLogUrl(value as LogUrl),
  ),
  setting(
    'log.level',
    'info',
    'log level',
    'fatal, error, warn, info, debug, trace or silent',
    oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  ),
  setting(
    'log.format',
    'auto',
    'json, pretty, or auto (pretty when a terminal is attached)',
    'auto, json or pretty',
    oneOf('auto', 'json', 'pretty'),
  ),
  setting(
    'log.slowRequest',
    100,
    'requests slower than this are logged as warnings',
    'a duration from 1ms to 1h',
    duration(1, 3_600_000),
    showMs,
  ),
  setting(
    'shutdown.timeout',
    10_000,
    'on SIGTERM, in-flight requests get this long to finish',
    'a duration from 0 to 10m',
    duration(0, 600_000),
    showMs,
  ),
  setting(
    'tracing.enabled',
    false,
    'export OpenTelemetry traces over OTLP/HTTP (endpoint from OTEL_EXPORTER_OTLP_ENDPOINT); OTEL_TRACES_EXPORTER or an OTLP endpoint variable turn it on too (docs/tracing.md)',
    'true or false',
    boolean,
  ),
];

/** The log, shutdown, tracing parts of {@link Config} from parsed values by key. */
export function operationsConfig(v: (key: string) => unknown): Pick<Config, 'log' | 'shutdown' | 'tracing'> {
  return {
    log: {
      url: v('log.url') as LogUrl,
      level: v('log.level') as Config['log']['level'],
      format: v('log.format') as Config['log']['format'],
      slowRequestMs: v('log.slowRequest') as number,
    },
    shutdown: { timeoutMs: v('shutdown.timeout') as number },
    tracing: { enabled: v('tracing.enabled') as boolean },
  };
}
