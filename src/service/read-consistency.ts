import type { KvStore } from '../store/kv-store.js';

/**
 * Answers a read at once when it is serializable or the log is this node's alone, otherwise once the node
 * has caught up with every write acknowledged before the read (linearizable, the default in a cluster).
 */
export function afterCatchUp<T>(store: KvStore, serializable: boolean, answer: () => T): T | Promise<T> {
  return serializable || !store.sharedLog ? answer() : store.caughtUp().then(answer);
}
