import { status } from '@grpc/grpc-js';
import { Counter, type Registry } from 'prom-client';
import type { RequestObserver } from '../grpc/unary.js';
import { type BucketTally, LATENCY_BUCKETS } from './bucket-tally.js';
import { TallyHistogram } from './tally-histogram.js';

/** gRPC status codes run from OK (0) to UNAUTHENTICATED (16). */
const CODES = 17;

interface MethodTally {
  readonly codes: Float64Array;
  readonly latency: BucketTally;
}

/**
 * Requests by method and status code, and their latency by method. The observer does one Map lookup, two
 * array increments and a short bucket scan per request; prom-client's objects are filled in on scrape.
 */
export class RequestMetrics {
  /** Pass to the gRPC handlers (HandlerContext.observe). */
  readonly observe: RequestObserver;
  private readonly methods = new Map<string, MethodTally>();

  constructor(registry: Registry) {
    const durations = new TallyHistogram(
      'kvstore_grpc_request_duration_seconds',
      'Time from receiving a gRPC request to answering it, by method (writes include the group commit)',
      ['method'],
      LATENCY_BUCKETS,
      registry,
    );
    const methods = this.methods;
    new Counter({
      name: 'kvstore_grpc_requests_total',
      help: 'gRPC requests answered, by method and status code',
      labelNames: ['method', 'code'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [method, tally] of methods) {
          for (let code = 0; code < CODES; code++) {
            const n = tally.codes[code]!;
            if (n > 0) this.inc({ method, code: status[code] }, n);
          }
        }
      },
    });
    this.observe = (method, code, seconds) => {
      let tally = methods.get(method);
      if (tally === undefined) {
        tally = { codes: new Float64Array(CODES), latency: durations.tally(method) };
        methods.set(method, tally);
      }
      tally.codes[code >= 0 && code < CODES ? code : status.UNKNOWN]!++;
      tally.latency.observe(seconds);
    };
  }
}
