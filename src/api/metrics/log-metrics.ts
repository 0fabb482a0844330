import { Counter, type Registry } from 'prom-client';
import type { CommitObserver } from '../../log/commit-observer.js';
import { BATCH_BUCKETS, type BucketTally, LATENCY_BUCKETS } from './bucket-tally.js';
import { TallyHistogram } from './tally-histogram.js';

/** Group commits of the log: how many appends share one, how long it takes to make them durable, failures. */
export class LogMetrics implements CommitObserver {
  private readonly batchRecords: BucketTally;
  private readonly commitSeconds: BucketTally;
  private bytes = 0;
  private failures = 0;
  /** The error that stopped the log, if one did (the log refuses appends until restart). */
  failure: Error | null = null;

  constructor(registry: Registry) {
    this.batchRecords = new TallyHistogram(
      'kvstore_log_commit_records',
      'Appends (write requests) per group commit of the log: one transaction and one fsync for all of them',
      [],
      BATCH_BUCKETS,
      registry,
    ).tally();
    this.commitSeconds = new TallyHistogram(
      'kvstore_log_commit_duration_seconds',
      'Time to make one group commit durable: the multi-row INSERT and, with data.durability=fsync, its WAL fsync',
      [],
      LATENCY_BUCKETS,
      registry,
    ).tally();
    const self = this;
    new Counter({
      name: 'kvstore_log_commit_bytes_total',
      help: 'Encoded record bytes committed to the log',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(self.bytes);
      },
    });
    new Counter({
      name: 'kvstore_log_commit_failures_total',
      help: 'Group commits that failed; after the first the log refuses writes until kvstore restarts',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(self.failures);
      },
    });
  }

  committed(records: number, bytes: number, seconds: number): void {
    this.batchRecords.observe(records);
    this.commitSeconds.observe(seconds);
    this.bytes += bytes;
  }

  failed(error: Error): void {
    this.failures++;
    this.failure ??= error;
  }
}
