import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Membership } from '../../log/membership.js';
import type { Access } from '../../service/access.js';
import type { AdminOperations } from '../../service/admin-operations.js';
import type { EtcdAuthOperations } from '../../service/etcd-auth.js';
import type {
  EtcdDeleteRangeInput,
  EtcdHeader,
  EtcdPutInput,
  EtcdRangeInput,
  EtcdTxnInput,
  EtcdTxnOutput,
} from '../../service/etcd-messages.js';
import type { EtcdKvOperations } from '../../service/etcd-operations.js';
import type { KvStore } from '../../store/kv-store.js';
import type { HandlerContext } from '../grpc/unary.js';
import { unary } from '../grpc/unary.js';
import { etcdAuthService } from './auth.js';
import { asEtcd } from './errors.js';
import { etcdLeaseService } from './lease.js';
import { etcdMaintenanceServices } from './maintenance.js';
import { etcdserverpb } from './proto.js';

/** Who this server is in etcd's terms (ResponseHeader, Status, MemberList). */
export interface EtcdIdentity {
  readonly clusterId: number;
  readonly memberId: number;
  /** This member's name in MemberList. */
  readonly name: string;
  /** The URLs etcd clients reach this member at (the kvstore gRPC port, and etcd.listen when set). */
  readonly clientUrls: () => string[];
  /** Where the nodes of a shared log find each other (MemberList); absent: this node alone. */
  readonly membership?: Membership;
}

/** The header etcd puts on a nested TxnResponse: every field 0. */
const EMPTY_HEADER = { cluster_id: 0, member_id: 0, revision: 0, raft_term: 0 };

/** raft_term: kvstore runs no Raft of its own; the term never changes. */
export const RAFT_TERM = 1;

/** Everything the etcd services serve from. */
export interface EtcdParts {
  readonly store: KvStore;
  readonly kv: EtcdKvOperations;
  readonly admin: AdminOperations;
  readonly identity: EtcdIdentity;
  readonly ctx: HandlerContext;
  /** The Auth service's answers (users and roles from the keys file and the roles). */
  readonly auth: EtcdAuthOperations;
}

/** A full ResponseHeader for a revision. */
export function headerOf(identity: EtcdIdentity, revision: number) {
  return {
    cluster_id: identity.clusterId,
    member_id: identity.memberId,
    revision,
    raft_term: RAFT_TERM,
  };
}

/** A service and its handlers, as a gRPC server adds them. */
export interface ServiceEntry {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** The unary etcd services: KV, Lease, Cluster, Maintenance, Auth (Watch: see watch.ts). */
export function etcdUnaryServices(parts: EtcdParts): ServiceEntry[] {
  const { kv, identity, ctx, store } = parts;
  const header = (h: EtcdHeader) => headerOf(identity, h.revision);
  const now = () => headerOf(identity, store.revision);
  const log = (method: string) => (err: unknown) =>
    ctx.logger.error({ method, err }, 'request failed unexpectedly');
  // Each handler: the operation's answer with full headers, errors as etcd's (see errors.ts).
  const call = <Req, Res>(method: string, run: (request: Req, access: Access) => Res | Promise<Res>) =>
    unary<Req, Res>(`etcd.${method}`, ctx, (request, access) =>
      asEtcd(() => run(request, access), log(method)),
    );
  // etcd leaves a nested Txn's own header empty (zeros); its ops' headers are full.
  const txnAnswer = (out: EtcdTxnOutput, nested = false): object => ({
    header: nested ? EMPTY_HEADER : header(out.header),
    succeeded: out.succeeded,
    responses: out.responses.map((r) =>
      r.response_range
        ? { response_range: { ...r.response_range, header: header(r.response_range.header) } }
        : r.response_put
          ? { response_put: { ...r.response_put, header: header(r.response_put.header) } }
          : r.response_txn
            ? { response_txn: txnAnswer(r.response_txn, true) }
            : {
                response_delete_range: {
                  ...r.response_delete_range!,
                  header: header(r.response_delete_range!.header),
                },
              },
    ),
  });
  const thenOrNow = <T, U>(value: T | Promise<T>, map: (v: T) => U): U | Promise<U> =>
    value instanceof Promise ? value.then(map) : map(value);

  const kvHandlers: UntypedServiceImplementation = {
    Range: call('Range', (r: EtcdRangeInput, access) =>
      thenOrNow(kv.range(r, access), (out) => ({ ...out, header: header(out.header) })),
    ),
    Put: call('Put', (r: EtcdPutInput, access) =>
      kv.put(r, access).then((out) => ({ ...out, header: header(out.header) })),
    ),
    DeleteRange: call('DeleteRange', async (r: EtcdDeleteRangeInput, access) => {
      const out = await kv.deleteRange(r, access);
      return { ...out, header: header(out.header) };
    }),
    Txn: call('Txn', async (r: EtcdTxnInput, access) => txnAnswer(await kv.txn(r, access))),
    Compact: call('Compact', async (r: { revision: number; physical: boolean }, access) => {
      const out = await kv.compact(r.revision, access);
      return { header: header(out.header) };
    }),
  };

  return [
    { definition: etcdserverpb.KV.service, implementation: kvHandlers },
    etcdLeaseService(parts, call, now),
    ...etcdMaintenanceServices(parts, call, now),
    etcdAuthService(parts.auth, call, now),
  ];
}
