import type { EventLog, LogBackendStatus } from '../log/event-log.js';
import type { KeyState } from '../projections/key-state.js';
import type { Checkpointer } from './checkpointer.js';
import type { HistoryCheck, HistoryCheckReport } from './history-check.js';

/** Everything the store reports about itself. */
export interface StoreStatus {
  readonly revision: number;
  readonly compactRevision: number;
  readonly keys: number;
  readonly checkpointRevision: number;
  readonly backend: string;
  /** The background check of the log history below the verified-through watermark. */
  readonly historyCheck: HistoryCheckReport;
}

/** A cluster node's place in the shared log. */
export interface ClusterStatus extends LogBackendStatus {
  readonly appliedRevision: number;
  readonly lagRevisions: number;
}

/** The store's figures for status pages. */
export function storeStatus(
  state: KeyState,
  log: EventLog,
  checkpointer: Checkpointer,
  historyCheck: HistoryCheck,
): StoreStatus {
  return {
    revision: state.revision,
    compactRevision: log.compactRevision(),
    keys: state.index.size,
    checkpointRevision: checkpointer.revision,
    backend: log.describe(),
    historyCheck: historyCheck.report(),
  };
}

/** This node's place in a shared log; null for a log only this process writes. */
export async function clusterStatus(log: EventLog, state: KeyState): Promise<ClusterStatus | null> {
  if (log.backendStatus === undefined) return null;
  const backend = await log.backendStatus();
  const applied = state.revision;
  return {
    ...backend,
    appliedRevision: applied,
    lagRevisions: Math.max(0, backend.headRevision - applied),
  };
}
