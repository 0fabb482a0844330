import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { HistoryCheckReport } from '../store/history-check.js';
import type { KvStore } from '../store/kv-store.js';
import type { PublisherStats } from '../streams/nats/publisher.js';
import { VERSION } from '../version.js';
import type { AdminHandlers } from './generated/kvstore/v1/Admin.js';
import type { HistoryCheck } from './generated/kvstore/v1/HistoryCheck.js';
import type { NatsStatus } from './generated/kvstore/v1/NatsStatus.js';
import type { StatusRequest__Output } from './generated/kvstore/v1/StatusRequest.js';
import type { StatusResponse } from './generated/kvstore/v1/StatusResponse.js';
import { maintenanceHandlers } from './maintenance-service.js';
import type { HandlerContext } from './unary.js';
import { unary } from './unary.js';

/** Facts about the server that the Admin handlers report but the store does not know. */
export interface ServerFacts {
  readonly startedAt: number;
  readonly durability: string;
  /** The NATS publisher's state, or null when publishing is off. */
  readonly nats: () => PublisherStats | null;
}

/** Handlers of kvstore.v1.Admin. */
export function adminHandlers(
  store: KvStore,
  facts: ServerFacts,
  ctx: HandlerContext,
): AdminHandlers & UntypedServiceImplementation {
  return {
    ...maintenanceHandlers(store, ctx),
    Status: unary<StatusRequest__Output, StatusResponse>('Status', ctx, async () => {
      const s = store.status();
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
        uptime_ms: Date.now() - facts.startedAt,
        checkpoint_revision: s.checkpointRevision,
        durability: facts.durability,
        log_bytes: logBytes,
        nats: natsStatus(facts.nats()),
        history_check: historyCheckStatus(s.historyCheck),
        cluster: cluster && {
          applied_revision: cluster.appliedRevision,
          head_revision: cluster.headRevision,
          lag_revisions: cluster.lagRevisions,
          leader: cluster.leader ?? '',
          replicas: (cluster.replicas ?? []).map((r) => ({ name: r.name, current: r.current, lag: r.lag })),
          unavailable: cluster.unavailable ?? '',
        },
        limits: {
          max_key_bytes: store.limits.maxKeyBytes,
          max_value_bytes: store.limits.maxValueBytes,
          max_ttl_ms: store.limits.maxTtlMs,
          max_list_limit: store.limits.maxListLimit,
        },
      };
    }),
  };
}

function natsStatus(stats: PublisherStats | null): NatsStatus | null {
  if (stats === null) return null;
  return {
    state: stats.state,
    published_revision: stats.publishedRevision,
    lag_revisions: stats.lagRevisions,
    last_error: stats.lastError ?? '',
  };
}

function historyCheckStatus(report: HistoryCheckReport): HistoryCheck {
  return {
    state: report.state,
    checked_records: report.checkedRecords,
    damaged_records: report.damagedRecords,
    damaged_revisions: [...report.damagedRevisions],
  };
}
