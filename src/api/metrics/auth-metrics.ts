import { Counter, type Registry } from 'prom-client';
import type { RefusalReason } from '../../security/principal.js';

/** Where a call was refused: grpc (kvstore.v1 and the etcd API, on grpc.listen or etcd.listen) or http (/v1). */
export type AuthTransport = 'grpc' | 'http';

/** Calls refused by the authentication gate, by transport and reason (a small fixed set, RefusalReason). */
export class AuthMetrics {
  private readonly refusals: Counter<'transport' | 'reason'>;

  constructor(registry: Registry) {
    this.refusals = new Counter({
      name: 'kvstore_auth_refusals_total',
      help: 'Calls refused UNAUTHENTICATED (gRPC) or 401 (HTTP) by the authentication gate, by transport and reason',
      labelNames: ['transport', 'reason'],
      registers: [registry],
    });
  }

  /** Counts one refusal. */
  refused(transport: AuthTransport, reason: RefusalReason): void {
    this.refusals.inc({ transport, reason });
  }
}
