import { format } from 'node:util';
import { setLogger } from '@grpc/grpc-js';
import type { Logger } from 'pino';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use (another kvstore serve, or another program, listens there)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address is not one of this machine',
  ENOTFOUND: 'the host name does not resolve',
};

/**
 * A one-line error for a listener that could not bind, naming the setting and the flag to change. grpc-js
 * reports a bind failure as a paragraph ("No address added out of total 1 resolved errors: [...]").
 */
export function listenError(setting: string, flag: string, address: string, err: unknown): Error {
  const message = (err as Error)?.message ?? String(err);
  const code = /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL|ENOTFOUND)\b/.exec(message)?.[1];
  const reason = code ? REASONS[code]! : message.split('\n')[0]!;
  return new Error(`cannot listen on ${address} (${setting}): ${reason}; choose another with ${flag}`);
}

/**
 * Sends grpc-js's own log lines (printed raw on stderr by default, such as "E No address added...") to the
 * server's logger at debug level; the server reports every failure that matters in its own words.
 */
export function routeGrpcLogs(logger: Logger): void {
  setLogger({ error: (...args: unknown[]) => logger.debug({ grpc: format(...args) }, 'grpc-js') });
}
