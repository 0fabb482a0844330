import type { KvStore } from '../store/kv-store.js';
import type { Access } from './access.js';
import { AdminOperations, type BackupStream, type ServerFacts } from './admin-operations.js';
import { type AuditSink, type AuditTarget, audited, auditedRead } from './audit.js';
import { classifyError } from './errors.js';
import { EtcdAuthOperations, type EtcdAuthSources } from './etcd-auth.js';
import type { EtcdDeleteRangeInput, EtcdPutInput, EtcdRangeInput, EtcdTxnInput } from './etcd-messages.js';
import { EtcdKvOperations, type EtcdOperationsOptions } from './etcd-operations.js';
import { KvOperations, type KvOperationsOptions } from './kv-operations.js';
import type {
  DeleteInput,
  DeleteRangeInput,
  GetInput,
  GetManyInput,
  ListInput,
  SetInput,
  SetManyItemInput,
  TxnInput,
} from './types.js';

/*
 * The operations with an audit log (security.auditFile): each write and admin call is one line (who, what,
 * which keys, result, revision), and each refused read too. Subclasses, so that the composition root picks
 * them only when the audit log is on and the operations pay nothing otherwise.
 */

const revisionOf = (out: { header: { revision: number } }) => out.header.revision;
const keysOf = (...keys: string[]): AuditTarget => ({ keys });
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const spanText = (r: { prefix: string; start: string; end: string; pattern?: string }) =>
  r.pattern
    ? `pattern "${r.pattern}"`
    : r.start || r.end
      ? `range ["${r.start}", "${r.end}")`
      : `prefix "${r.prefix}"`;

/** {@link KvOperations} writing an audit line per write and per refused read. */
export class AuditedKvOperations extends KvOperations {
  constructor(
    store: KvStore,
    options: KvOperationsOptions,
    private readonly audit: AuditSink,
  ) {
    super(store, options);
  }

  override get(request: GetInput, access: Access) {
    return auditedRead(this.audit, access, 'Get', keysOf(request.key), () => super.get(request, access));
  }

  override list(request: ListInput, access: Access) {
    return auditedRead(this.audit, access, 'List', { range: spanText(request) }, () =>
      super.list(request, access),
    );
  }

  override getMany(request: GetManyInput, access: Access) {
    return auditedRead(this.audit, access, 'GetMany', { keys: request.keys }, () =>
      super.getMany(request, access),
    );
  }

  override set(request: SetInput, access: Access) {
    return audited(
      this.audit,
      access,
      'Set',
      keysOf(request.key),
      () => super.set(request, access),
      revisionOf,
    );
  }

  override delete(request: DeleteInput, access: Access) {
    return audited(
      this.audit,
      access,
      'Delete',
      keysOf(request.key),
      () => super.delete(request, access),
      revisionOf,
    );
  }

  override setMany(items: readonly SetManyItemInput[], access: Access) {
    const target = { keys: items.map((i) => i.key) };
    return audited(this.audit, access, 'SetMany', target, () => super.setMany(items, access), revisionOf);
  }

  override deleteMany(keys: readonly string[], access: Access) {
    return audited(
      this.audit,
      access,
      'DeleteMany',
      { keys },
      () => super.deleteMany(keys, access),
      revisionOf,
    );
  }

  override deleteRange(request: DeleteRangeInput, access: Access) {
    const target = { range: spanText(request) };
    return audited(
      this.audit,
      access,
      'DeleteRange',
      target,
      () => super.deleteRange(request, access),
      revisionOf,
    );
  }

  override txn(request: TxnInput, access: Access) {
    const keys = [...request.success, ...request.failure].flatMap((op) =>
      op.set ? [op.set.key] : op.delete ? [op.delete.key] : [],
    );
    return audited(this.audit, access, 'Txn', { keys }, () => super.txn(request, access), revisionOf);
  }
}

/** {@link AdminOperations} writing an audit line per admin call. */
export class AuditedAdminOperations extends AdminOperations {
  constructor(
    store: KvStore,
    facts: ServerFacts,
    private readonly audit: AuditSink,
  ) {
    super(store, facts);
  }

  override compact(revision: number, access: Access) {
    return audited(this.audit, access, 'Compact', {}, () => super.compact(revision, access), revisionOf);
  }

  override hashKv(revision: number, access: Access) {
    return audited(this.audit, access, 'HashKV', {}, () => super.hashKv(revision, access), revisionOf);
  }

  override backup(fromRevision: number, access: Access): Promise<BackupStream> {
    return audited(
      this.audit,
      access,
      'Backup',
      {},
      () => super.backup(fromRevision, access),
      (b) => b.baseRevision,
    );
  }
}

/** {@link EtcdKvOperations} writing the same audit lines (methods named `etcd.Put` and so on). */
export class AuditedEtcdKvOperations extends EtcdKvOperations {
  constructor(
    store: KvStore,
    options: EtcdOperationsOptions,
    private readonly audit: AuditSink,
  ) {
    super(store, options);
  }

  override range(r: EtcdRangeInput, access: Access) {
    return auditedRead(this.audit, access, 'etcd.Range', etcdTarget(r.key, r.range_end), () =>
      super.range(r, access),
    );
  }

  override put(r: EtcdPutInput, access: Access) {
    return audited(
      this.audit,
      access,
      'etcd.Put',
      { keys: [text(r.key)] },
      () => super.put(r, access),
      revisionOf,
    );
  }

  override deleteRange(r: EtcdDeleteRangeInput, access: Access) {
    const target = etcdTarget(r.key, r.range_end);
    return audited(
      this.audit,
      access,
      'etcd.DeleteRange',
      target,
      () => super.deleteRange(r, access),
      revisionOf,
    );
  }

  override txn(r: EtcdTxnInput, access: Access) {
    return audited(
      this.audit,
      access,
      'etcd.Txn',
      { keys: etcdTxnKeys(r) },
      () => super.txn(r, access),
      revisionOf,
    );
  }

  override compact(revision: number, access: Access) {
    return audited(this.audit, access, 'etcd.Compact', {}, () => super.compact(revision, access), revisionOf);
  }
}

/** The keys an etcd Txn may write, nested Txns included. */
function etcdTxnKeys(r: EtcdTxnInput): string[] {
  return [...r.success, ...r.failure].flatMap((op) =>
    op.request_put
      ? [text(op.request_put.key)]
      : op.request_delete_range
        ? [text(op.request_delete_range.key)]
        : op.request_txn
          ? etcdTxnKeys(op.request_txn)
          : [],
  );
}

/** An etcd (key, range_end) as an audit target. */
function etcdTarget(key: Uint8Array, end: Uint8Array): AuditTarget {
  return end.length === 0 ? { keys: [text(key)] } : { range: `["${text(key)}", "${text(end)}")` };
}

/**
 * {@link EtcdAuthOperations} with Authenticate in the audit log: a refusal as a refused call naming the
 * user it claimed (never the password, which is the key itself), a success with its principal.
 */
export class AuditedEtcdAuthOperations extends EtcdAuthOperations {
  constructor(
    sources: EtcdAuthSources,
    private readonly audit: AuditSink,
  ) {
    super(sources);
  }

  override async authenticate(name: string, password: string): Promise<string> {
    try {
      const token = await super.authenticate(name, password);
      this.audit.record({ principal: name, method: 'etcd.Authenticate', result: 'OK' });
      return token;
    } catch (err) {
      const { error } = classifyError(err);
      // The claimed name is the caller's word, not a verified principal: it goes in the reason, capped.
      const claimed = name.length > 64 ? `${name.slice(0, 64)}...` : name;
      this.audit.record({
        principal: '',
        method: 'etcd.Authenticate',
        result: error.code,
        reason: `${error.message} (user "${claimed}")`,
      });
      throw err;
    }
  }
}
