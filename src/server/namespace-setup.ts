import type { Config } from '../config/config.js';
import { loadNamespacesFile, NO_NAMESPACES } from '../security/namespaces.js';
import type { EtcdKvOperations, EtcdOperationsOptions } from '../service/etcd-operations.js';
import type { KvOperations, KvOperationsOptions } from '../service/kv-operations.js';
import { NamespacedEtcdKvOperations } from '../service/namespaced-etcd-operations.js';
import { NamespacedKvOperations } from '../service/namespaced-kv-operations.js';
import type { KvStore } from '../store/kv-store.js';
import { NamespaceQuotas } from '../store/namespace-quota.js';

/*
 * Namespaces (tenants) come from the roles file (security.rolesFile): its roles bind principals to them
 * (read again when the file is reloaded), its `namespaces:` section sets their prefixes and quotas (read
 * at start). Without a roles file nothing here is installed and the operations pay nothing.
 */

/**
 * Counts what each namespace of the roles file holds and enforces its quota on every write; null when the
 * file defines no namespace. Metrics read the counts (kvstore_namespace_keys, kvstore_namespace_bytes).
 */
export function installNamespaceQuotas(config: Config, store: KvStore): NamespaceQuotas | null {
  const namespaces = config.security.rolesFile
    ? loadNamespacesFile(config.security.rolesFile)
    : NO_NAMESPACES;
  if (namespaces.size === 0) return null;
  const quotas = new NamespaceQuotas([...namespaces.values()], store);
  store.guardWrites(quotas);
  return quotas;
}

/** The kvstore.v1 operations, translating the keys of namespaced callers when a roles file may bind them. */
export function namespacedKv(
  config: Config,
  store: KvStore,
  options: KvOperationsOptions,
  kv: KvOperations,
): KvOperations {
  return config.security.rolesFile ? new NamespacedKvOperations(store, options, kv) : kv;
}

/** The etcd KV operations, translating the keys of namespaced callers when a roles file may bind them. */
export function namespacedEtcdKv(
  config: Config,
  store: KvStore,
  options: EtcdOperationsOptions,
  kv: EtcdKvOperations,
): EtcdKvOperations {
  return config.security.rolesFile ? new NamespacedEtcdKvOperations(store, options, kv) : kv;
}
