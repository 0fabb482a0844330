import { Counter, type Registry } from 'prom-client';
import type { RefusalReason } from '../../security/principal.js';

/** Where a call was refused: grpc (kvstore.v1 and the etcd API, on grpc.listen or etcd.listen) or http (/v1). */
export type AuthTransport = 'grpc' | 'http';

/** Calls refused by the authentication gate, by transport and reason (a small fixed set, RefusalReason). */
export class AuthMetrics {
  private readonly refusals: Counter<'transport' | 'reason'>;
  private readonly reloads: Counter<'result'>;

  constructor(registry: Registry) {
    this.refusals = new Counter({
      name: 'kvstore_auth_refusals_total',
      help: 'Calls refused UNAUTHENTICATED (gRPC) or 401 (HTTP) by the authentication gate, by transport and reason',
      labelNames: ['transport', 'reason'],
      registers: [registry],
    });
    this.reloads = new Counter({
      name: 'kvstore_credential_reloads_total',
      help: 'Changed credential files (keys, roles, JWT keys) taken, or kept out because they did not parse or fit',
      labelNames: ['result'],
      registers: [registry],
    });
  }

  /** Counts one look that took changed credential files (`taken`) or refused one (`kept`). */
  reloaded(result: 'taken' | 'kept'): void {
    this.reloads.inc({ result });
  }

  /** Counts one refusal. */
  refused(transport: AuthTransport, reason: RefusalReason): void {
    this.refusals.inc({ transport, reason });
  }
}
