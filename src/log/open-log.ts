import { join } from 'node:path';
import type { ConnectionOptions } from 'nats';
import type { Logger } from 'pino';
import type { CommitObserver } from './commit-observer.js';
import type { EventLog } from './event-log.js';
import type { LogUrl } from './log-url.js';
import type { Durability } from './sqlite/sqlite-log.js';

/** Everything a backend may need to open; each takes what applies to it. */
export interface OpenLogOptions {
  /** The node's data directory: the SQLite log lives in it by default. */
  readonly dataDir: string;
  /** SQLite: fsync every group commit, or survive a process crash only. */
  readonly durability?: Durability;
  /** Told about every group commit (metrics) and a failed one (health). */
  readonly observer?: CommitObserver;
  readonly logger?: Logger;
  /** Restore: a log that is thrown away if anything fails (SQLite: no journal, no fsync until the end). */
  readonly bulkLoad?: boolean;
  /** NATS (JetStream log): credentials and TLS added to the connection (nats.user, nats.tls*, ...). */
  readonly natsAuth?: Partial<ConnectionOptions>;
}

/** The SQLite log's file for a `sqlite:` URL: `<data dir>/log.sqlite` unless the URL names one. */
export function sqliteLogPath(url: LogUrl & { scheme: 'sqlite' }, dataDir: string): string {
  return url.path ?? join(dataDir, 'log.sqlite');
}

/**
 * Opens the log a `log.url` names. Backends are loaded on demand, so a SQLite node never loads the NATS
 * client or the PostgreSQL driver, and the reverse.
 */
export async function openLog(url: LogUrl, options: OpenLogOptions): Promise<EventLog> {
  switch (url.scheme) {
    case 'sqlite': {
      const { SqliteEventLog } = await import('./sqlite/sqlite-log.js');
      return SqliteEventLog.open(sqliteLogPath(url, options.dataDir), options);
    }
    case 'memory': {
      const { MemoryEventLog } = await import('./memory/memory-log.js');
      return new MemoryEventLog();
    }
    case 'nats': {
      const { JetStreamEventLog } = await import('./jetstream/jetstream-log.js');
      return JetStreamEventLog.open(url, options);
    }
    case 'postgres': {
      const { PostgresEventLog } = await import('./postgres/postgres-log.js');
      return PostgresEventLog.open(url, options);
    }
  }
}
