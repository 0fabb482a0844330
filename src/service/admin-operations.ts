import { backupOf } from '../backup/backup-source.js';
import { encodeBackup } from '../backup/backup-writer.js';
import { LogClosedError } from '../log/event-log.js';
import { StoreUnavailableError } from '../store/errors.js';
import type { HistoryCheckReport } from '../store/history-check.js';
import type { KvStore } from '../store/kv-store.js';
import type { PublisherStats } from '../streams/nats/publisher.js';
import { VERSION } from '../version.js';
import type { Access } from './access.js';
import type {
  BackupChunkOutput,
  CompactOutput,
  HashKvOutput,
  HistoryCheckOutput,
  NatsStatusOutput,
  StatusOutput,
} from './types.js';

/** Facts about the server that Status reports but the store does not know. */
export interface ServerFacts {
  readonly startedAt: number;
  readonly durability: string;
  /** The NATS publisher's state, or null when publishing is off. */
  readonly nats: () => PublisherStats | null;
}

/** A backup being sent: its chunks (about 1 MiB each) and the hold on the history it reads. */
export interface BackupStream {
  readonly kind: string;
  readonly baseRevision: number;
  readonly chunks: AsyncIterable<BackupChunkOutput>;
  /** Items sent so far. */
  itemsDone(): number;
  /** Lets compaction drop the history again; call when the backup ends, however it ends. */
  release(): void;
}

/**
 * The Admin operations: status, compaction, HashKV and backups, for every transport. All but Status need a
 * caller with admin (a backup holds every value); Status answers anyone, with the server's details (key
 * count, sizes, backend, cluster) for admins only.
 */
export class AdminOperations {
  private backupsOpen = 0;

  constructor(
    private readonly store: KvStore,
    private readonly facts: ServerFacts,
  ) {}

  async status(access: Access): Promise<StatusOutput> {
    const store = this.store;
    const s = store.status();
    const limits = {
      max_key_bytes: store.limits.maxKeyBytes,
      max_value_bytes: store.limits.maxValueBytes,
      max_ttl_ms: store.limits.maxTtlMs,
      max_list_limit: store.limits.maxListLimit,
    };
    if (!access.isAdmin) return publicStatus(s.revision, s.compactRevision, limits);
    // A shared log's size and cluster figures need its servers: status still answers without them.
    const [logBytes, cluster] = await Promise.all([
      store.eventLog.storageBytes().catch(() => 0),
      store.clusterStatus(),
    ]);
    return {
      header: { revision: s.revision },
      version: VERSION,
      compact_revision: s.compactRevision,
      keys: s.keys,
      backend: s.backend,
      uptime_ms: Date.now() - this.facts.startedAt,
      checkpoint_revision: s.checkpointRevision,
      durability: this.facts.durability,
      log_bytes: logBytes,
      nats: natsStatus(this.facts.nats()),
      history_check: historyCheckStatus(s.historyCheck),
      cluster: cluster && {
        applied_revision: cluster.appliedRevision,
        head_revision: cluster.headRevision,
        lag_revisions: cluster.lagRevisions,
        leader: cluster.leader ?? '',
        replicas: (cluster.replicas ?? []).map((r) => ({ name: r.name, current: r.current, lag: r.lag })),
        unavailable: cluster.unavailable ?? '',
      },
      limits,
    };
  }

  async compact(revision: number, access: Access): Promise<CompactOutput> {
    access.checkAdmin('Compact');
    const result = await this.store.compact(revision);
    return {
      header: { revision: this.store.revision },
      compact_revision: result.compactRevision,
      removed: result.removed,
    };
  }

  async hashKv(revision: number, access: Access): Promise<HashKvOutput> {
    access.checkAdmin('HashKV');
    const result = await this.store.hashKv(revision);
    return {
      header: { revision: this.store.revision },
      hash: result.hash,
      hash_revision: result.revision,
      keys: result.keys,
      compact_revision: result.compactRevision,
    };
  }

  /**
   * Opens a backup from `fromRevision` (0: full). Its chunks are made as they are read, so a transport that
   * waits for its client before reading the next one never makes the server buffer the backup.
   */
  async backup(fromRevision: number, access: Access): Promise<BackupStream> {
    access.checkAdmin('Backup');
    const backup = await backupOf(this.store, fromRevision).catch(unavailableWhenClosed);
    this.backupsOpen++;
    let released = false;
    let done = 0;
    let total = backup.expectedItems;
    const encoded = encodeBackup(backup.content, (items) => {
      done = items;
    });
    async function* chunks(): AsyncGenerator<BackupChunkOutput> {
      try {
        for await (const data of encoded) {
          total = Math.max(total, done);
          yield { data, items_done: done, items_total: total };
        }
      } catch (err) {
        unavailableWhenClosed(err);
      }
    }
    return {
      kind: backup.content.kind,
      baseRevision: backup.content.baseRevision,
      chunks: chunks(),
      itemsDone: () => done,
      release: () => {
        if (!released) this.backupsOpen--;
        released = true;
        backup.release();
      },
    };
  }

  /** Backups opened and not yet released (being sent now). */
  backupsRunning(): number {
    return this.backupsOpen;
  }
}

/** What Status tells a caller without admin: the revisions and the limits its requests must keep. */
function publicStatus(
  revision: number,
  compactRevision: number,
  limits: StatusOutput['limits'],
): StatusOutput {
  return {
    header: { revision },
    version: VERSION,
    compact_revision: compactRevision,
    keys: 0,
    backend: '',
    uptime_ms: 0,
    checkpoint_revision: 0,
    durability: '',
    log_bytes: 0,
    nats: null,
    history_check: { state: '', checked_records: 0, damaged_records: 0, damaged_revisions: [] },
    cluster: null,
    limits,
  };
}

/** A log closed under a backup: the server is shutting down. */
function unavailableWhenClosed(err: unknown): never {
  throw err instanceof LogClosedError ? new StoreUnavailableError('the store is shutting down') : err;
}

function natsStatus(stats: PublisherStats | null): NatsStatusOutput | null {
  if (stats === null) return null;
  return {
    state: stats.state,
    published_revision: stats.publishedRevision,
    lag_revisions: stats.lagRevisions,
    last_error: stats.lastError ?? '',
  };
}

function historyCheckStatus(report: HistoryCheckReport): HistoryCheckOutput {
  return {
    state: report.state,
    checked_records: report.checkedRecords,
    damaged_records: report.damagedRecords,
    damaged_revisions: [...report.damagedRevisions],
  };
}
