import type { KvStore } from '../store/kv-store.js';
import type { Access } from './access.js';
import type {
  EtcdDeleteRangeInput,
  EtcdKeyValue,
  EtcdPutInput,
  EtcdRangeInput,
  EtcdRequestOpInput,
  EtcdResponseOpOutput,
  EtcdTxnInput,
  EtcdTxnOutput,
} from './etcd-messages.js';
import { EtcdKvOperations, type EtcdOperationsOptions } from './etcd-operations.js';
import type { NamespaceKeys } from './namespace-keys.js';

/**
 * The etcd KV operations with namespaces, as {@link NamespacedKvOperations} for kvstore.v1: a namespaced
 * call's keys and ranges are put under its prefix ("\0" range ends stop at the namespace's end) and its
 * answers' keys come back without it; other calls go to `inner` untouched.
 */
export class NamespacedEtcdKvOperations extends EtcdKvOperations {
  constructor(
    store: KvStore,
    options: EtcdOperationsOptions,
    private readonly inner: EtcdKvOperations,
  ) {
    // Only `inner` serves calls: this one never starts a history index of its own.
    super(store, { ...options, historyFrom: 'first-read' });
  }

  override get historySize(): number {
    return this.inner.historySize;
  }

  override close(): void {
    this.inner.close();
    super.close();
  }

  override range(request: EtcdRangeInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.range(request, access);
    const out = this.inner.range(rangeIn(ns, request), access);
    const strip = (o: Awaited<typeof out>) => ({ ...o, kvs: o.kvs.map((kv) => kvOut(ns, kv)) });
    return out instanceof Promise ? out.then(strip) : strip(out);
  }

  override async put(request: EtcdPutInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.put(request, access);
    const out = await this.inner.put({ ...request, key: ns.etcdKey(request.key) }, access);
    return { ...out, prev_kv: out.prev_kv && kvOut(ns, out.prev_kv) };
  }

  override async deleteRange(request: EtcdDeleteRangeInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.deleteRange(request, access);
    const out = await this.inner.deleteRange(rangeIn(ns, request), access);
    return { ...out, prev_kvs: out.prev_kvs.map((kv) => kvOut(ns, kv)) };
  }

  override async txn(request: EtcdTxnInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.txn(request, access);
    return txnOut(ns, await this.inner.txn(txnIn(ns, request), access));
  }

  override compact(revision: number, access: Access) {
    return this.inner.compact(revision, access);
  }
}

function rangeIn<T extends { readonly key: Uint8Array; readonly range_end: Uint8Array }>(
  ns: NamespaceKeys,
  request: T,
): T {
  return { ...request, ...ns.etcdRange(request.key, request.range_end) };
}

function kvOut(ns: NamespaceKeys, kv: EtcdKeyValue): EtcdKeyValue {
  return { ...kv, key: ns.etcdStrip(kv.key) };
}

function txnIn(ns: NamespaceKeys, request: EtcdTxnInput): EtcdTxnInput {
  const opIn = (op: EtcdRequestOpInput): EtcdRequestOpInput => ({
    ...op,
    request_range: op.request_range && rangeIn(ns, op.request_range),
    request_put: op.request_put && { ...op.request_put, key: ns.etcdKey(op.request_put.key) },
    request_delete_range: op.request_delete_range && rangeIn(ns, op.request_delete_range),
    request_txn: op.request_txn && txnIn(ns, op.request_txn),
  });
  return {
    compare: request.compare.map((c) => rangeIn(ns, c)),
    success: request.success.map(opIn),
    failure: request.failure.map(opIn),
  };
}

function txnOut(ns: NamespaceKeys, out: EtcdTxnOutput): EtcdTxnOutput {
  const responseOut = (r: EtcdResponseOpOutput): EtcdResponseOpOutput => {
    if (r.response_range)
      return {
        response_range: { ...r.response_range, kvs: r.response_range.kvs.map((kv) => kvOut(ns, kv)) },
      };
    if (r.response_put) {
      const prev = r.response_put.prev_kv;
      return { response_put: { ...r.response_put, prev_kv: prev && kvOut(ns, prev) } };
    }
    if (r.response_delete_range) {
      const d = r.response_delete_range;
      return { response_delete_range: { ...d, prev_kvs: d.prev_kvs.map((kv) => kvOut(ns, kv)) } };
    }
    if (r.response_txn) return { response_txn: txnOut(ns, r.response_txn) };
    return r;
  };
  return { ...out, responses: out.responses.map(responseOut) };
}
