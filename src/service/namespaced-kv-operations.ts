import type { KvStore } from '../store/kv-store.js';
import type { Access } from './access.js';
import { KvOperations, type KvOperationsOptions } from './kv-operations.js';
import type { NamespaceKeys } from './namespace-keys.js';
import type {
  DeleteInput,
  DeleteRangeInput,
  GetInput,
  GetManyInput,
  GetOutput,
  ListInput,
  RequestOpInput,
  ResponseOpOutput,
  SetInput,
  SetManyItemInput,
  TxnInput,
} from './types.js';

/**
 * The kvstore.v1 operations for every transport, with namespaces: a call whose access is bound to one has
 * its keys put under the namespace prefix on the way in and taken off on the way out; other calls go to
 * `inner` untouched. `inner` (plain or audited) checks the access against the stored keys.
 */
export class NamespacedKvOperations extends KvOperations {
  constructor(
    store: KvStore,
    options: KvOperationsOptions,
    private readonly inner: KvOperations,
  ) {
    super(store, options);
  }

  override get(request: GetInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.get(request, access);
    return then(this.inner.get({ ...request, key: ns.key(request.key) }, access), (out) => getOut(ns, out));
  }

  override async set(request: SetInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.set(request, access);
    const out = await this.inner.set({ ...request, key: ns.key(request.key) }, access);
    return { ...out, kv: ns.keyValue(out.kv) };
  }

  override delete(request: DeleteInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.delete(request, access);
    return this.inner.delete({ ...request, key: ns.key(request.key) }, access);
  }

  override list(request: ListInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.list(request, access);
    const stored = { ...ns.span(request), page_token: ns.pageTokenIn(request.page_token) };
    return then(this.inner.list(stored, access), (out) => ({
      ...out,
      kvs: out.kvs.map((kv) => ns.keyValue(kv)),
      next_page_token: ns.pageTokenOut(out.next_page_token),
    }));
  }

  override async setMany(items: readonly SetManyItemInput[], access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.setMany(items, access);
    const out = await this.inner.setMany(
      items.map((item) => ({ ...item, key: ns.key(item.key) })),
      access,
    );
    return { ...out, kvs: out.kvs.map((kv) => ns.keyValue(kv)) };
  }

  override getMany(request: GetManyInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.getMany(request, access);
    const stored = { ...request, keys: request.keys.map((key) => ns.key(key)) };
    return then(this.inner.getMany(stored, access), (out) => ({
      ...out,
      results: out.results.map((result) => getOut(ns, result)),
    }));
  }

  override async deleteMany(keys: readonly string[], access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.deleteMany(keys, access);
    const out = await this.inner.deleteMany(
      keys.map((key) => ns.key(key)),
      access,
    );
    return { ...out, deleted: out.deleted.map((key) => ns.strip(key)) };
  }

  override async deleteRange(request: DeleteRangeInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.deleteRange(request, access);
    const out = await this.inner.deleteRange(ns.span(request), access);
    return { ...out, prev_kvs: out.prev_kvs.map((kv) => ns.keyValue(kv)) };
  }

  override async txn(request: TxnInput, access: Access) {
    const ns = access.namespace;
    if (!ns) return this.inner.txn(request, access);
    const stored: TxnInput = {
      compare: request.compare.map((c) => ({ ...c, key: ns.key(c.key) })),
      success: request.success.map((op) => opIn(ns, op)),
      failure: request.failure.map((op) => opIn(ns, op)),
    };
    const out = await this.inner.txn(stored, access);
    return { ...out, responses: out.responses.map((r) => responseOut(ns, r)) };
  }
}

/** Applies `map` to a value or to the promise of one (reads answer synchronously when they can). */
function then<T, U>(value: T | Promise<T>, map: (value: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(map) : map(value);
}

function getOut(ns: NamespaceKeys, out: GetOutput): GetOutput {
  return out.kv === null ? out : { ...out, kv: ns.keyValue(out.kv) };
}

function opIn(ns: NamespaceKeys, op: RequestOpInput): RequestOpInput {
  return {
    ...op,
    get: op.get && { key: ns.key(op.get.key) },
    range: op.range && ns.span(op.range),
    set: op.set && { ...op.set, key: ns.key(op.set.key) },
    delete: op.delete && { ...op.delete, key: ns.key(op.delete.key) },
    delete_range: op.delete_range && ns.span(op.delete_range),
  };
}

function responseOut(ns: NamespaceKeys, r: ResponseOpOutput): ResponseOpOutput {
  if (r.get) return { get: getOut(ns, r.get) };
  if (r.range) return { range: { ...r.range, kvs: r.range.kvs.map((kv) => ns.keyValue(kv)) } };
  if (r.set) return { set: { ...r.set, kv: ns.keyValue(r.set.kv) } };
  if (r.delete_range)
    return {
      delete_range: { ...r.delete_range, prev_kvs: r.delete_range.prev_kvs.map((kv) => ns.keyValue(kv)) },
    };
  return r;
}
