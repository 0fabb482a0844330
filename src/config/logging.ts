import type { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';

/**
 * The process logger: JSON lines on stdout, or a readable one-line-per-record form when `format` is
 * `pretty` (or `auto` and stdout is a terminal).
 */
export function createLogger(options: Config['log'], stream: Writable = process.stdout): Logger {
  const pretty =
    options.format === 'pretty' ||
    (options.format === 'auto' && (stream as NodeJS.WriteStream).isTTY === true);
  const base = { level: options.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!pretty) return pino(base, pino.destination({ dest: 1, sync: false }));
  return pino(base, { write: (line: string) => stream.write(prettyLine(line)) });
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** `12:00:01.123 INFO  listening address=127.0.0.1:50051` */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const fields = Object.entries(record)
    .filter(([k]) => !OMIT.has(k))
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`,
    )
    .join(' ');
  return `${time} ${LEVELS[record.level as number] ?? record.level} ${record.msg ?? ''}${fields ? ` ${fields}` : ''}\n`;
}
