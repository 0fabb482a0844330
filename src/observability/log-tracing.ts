import {
  type Context,
  context,
  type Link,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { CommitObserver } from '../log/commit-observer.js';
import type { EventLog, RecordBuilder } from '../log/event-log.js';
import type { LogEvent, LogRecord } from '../log/events.js';

/** The log append that wrote a revision, as the NATS publish of its events needs it. */
export interface WrittenBy {
  /** The group commit's span. */
  readonly batch: SpanContext;
  /** The span of the request whose append it was (its RPC span): ids only, so no ended span is kept alive. */
  readonly request: SpanContext;
}

/** A group commit seen by the commit listener, waiting for its appends to say whose they were. */
interface OpenBatch {
  readonly size: number;
  readonly first: number;
  readonly last: number;
  readonly bytes: number;
  /** performance.now() of the start of its write, when the commit observer told (else the first append's call). */
  readonly startedAt: number | null;
  readonly endedAt: number;
  readonly carriers: { readonly revision: number; readonly request: Context; readonly calledAt: number }[];
  done: boolean;
}

/**
 * How many revisions' writers are kept for the NATS publisher, which normally asks within milliseconds (a
 * few hundred bytes each; without NATS nobody asks and the oldest go).
 */
const WRITTEN_BY_KEPT = 16_384;

/**
 * Spans of the log: one `kvstore.log.append` per group commit that carries traced appends, parented by the
 * first request it carries and linked to the others, with the batch's size, bytes and revisions. It wraps
 * the log (installed only when tracing is on: a server without tracing has no wrapper at all), learns each
 * batch from the commit listener and the commit observer, and which request wrote which revision when each
 * append resolves. Appends of callers without a span (the expiry sweeper) make no span of their own.
 */
export class LogTracer {
  private readonly open = new Map<number, OpenBatch>();
  private readonly writtenBy = new Map<number, WrittenBy>();
  private lastCommit: { records: number; bytes: number; seconds: number } | null = null;

  constructor(private readonly tracer: Tracer) {}

  /** To be told about every group commit beside the metrics (see {@link teeObserver}). */
  readonly observer: CommitObserver = {
    committed: (records, bytes, seconds) => {
      this.lastCommit = { records, bytes, seconds };
    },
    failed: () => {
      this.lastCommit = null;
    },
  };

  /** The log with traced appends; every other method is the log's own. */
  wrap(log: EventLog): EventLog {
    log.onCommit((records) => this.committed(records));
    const append = (events: readonly LogEvent[] | RecordBuilder): Promise<LogRecord> => {
      const request = context.active();
      const calledAt = performance.now();
      const written = log.append(events);
      if (trace.getSpanContext(request) === undefined) return written;
      written.then(
        (record) => this.carried(record.revision, request, calledAt),
        (err: unknown) => this.appendFailed(err, request, calledAt),
      );
      return written;
    };
    const bound = new Map<PropertyKey, unknown>([['append', append]]);
    return new Proxy(log, {
      get(target, property) {
        if (bound.has(property)) return bound.get(property);
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const method = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(property, method);
        return method;
      },
    });
  }

  /** Who wrote `revision`, while it is remembered; null for a write without a span. */
  writer(revision: number): WrittenBy | null {
    const open = this.open.get(revision);
    // The appends' answers all ran before any later I/O callback: the batch knows its carriers by now.
    if (open !== undefined) this.close(open);
    return this.writtenBy.get(revision) ?? null;
  }

  /** The publisher is past `revision`: its writers need not be kept. */
  forgetBelow(revision: number): void {
    for (const key of this.writtenBy.keys()) {
      if (key >= revision) break;
      this.writtenBy.delete(key);
    }
  }

  private committed(records: readonly LogRecord[]): void {
    if (records.length === 0) return;
    const timing = this.lastCommit?.records === records.length ? this.lastCommit : null;
    this.lastCommit = null;
    const endedAt = performance.now();
    const batch: OpenBatch = {
      size: records.length,
      first: records[0]!.revision,
      last: records.at(-1)!.revision,
      bytes: timing?.bytes ?? 0,
      startedAt: timing === null ? null : endedAt - timing.seconds * 1000,
      endedAt,
      carriers: [],
      done: false,
    };
    for (const record of records) this.open.set(record.revision, batch);
    // Appends of other nodes (a shared log) or of untraced callers never report: close anyway.
    setImmediate(() => this.close(batch));
  }

  private carried(revision: number, request: Context, calledAt: number): void {
    const batch = this.open.get(revision);
    if (batch === undefined) return;
    batch.carriers.push({ revision, request, calledAt });
    if (batch.carriers.length === batch.size) this.close(batch);
  }

  private close(batch: OpenBatch): void {
    if (batch.done) return;
    batch.done = true;
    for (let r = batch.first; r <= batch.last; r++) this.open.delete(r);
    const [first, ...others] = batch.carriers;
    if (first === undefined) return;
    const links: Link[] = [];
    for (const c of others) {
      const linked = trace.getSpanContext(c.request);
      if (linked !== undefined) links.push({ context: linked });
    }
    const startedAt = batch.startedAt ?? Math.min(...batch.carriers.map((c) => c.calledAt));
    const span = this.tracer.startSpan(
      'kvstore.log.append',
      {
        kind: SpanKind.INTERNAL,
        startTime: epochMs(startedAt),
        links,
        attributes: {
          'kvstore.log.batch_size': batch.size,
          'kvstore.log.batch_bytes': batch.bytes,
          'kvstore.log.first_revision': batch.first,
          'kvstore.log.last_revision': batch.last,
          'kvstore.log.traced_appends': batch.carriers.length,
        },
      },
      first.request,
    );
    span.end(epochMs(batch.endedAt));
    const batchContext = span.spanContext();
    for (const c of batch.carriers) {
      const request = trace.getSpanContext(c.request);
      if (request !== undefined) this.writtenBy.set(c.revision, { batch: batchContext, request });
    }
    while (this.writtenBy.size > WRITTEN_BY_KEPT) {
      const oldest = this.writtenBy.keys().next().value as number;
      this.writtenBy.delete(oldest);
    }
  }

  /** A log that could not write (not a failed condition, which is an answer): an error span of its own. */
  private appendFailed(err: unknown, request: Context, calledAt: number): void {
    const name = err instanceof Error ? err.name : '';
    if (name !== 'LogWriteError' && name !== 'LogUnavailableError' && name !== 'LogClosedError') return;
    const span = this.tracer.startSpan('kvstore.log.append', { startTime: epochMs(calledAt) }, request);
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    span.end();
  }
}

/** Both observers hear every group commit: the metrics' and the log tracer's. */
export function teeObserver(a: CommitObserver | undefined, b: CommitObserver): CommitObserver {
  if (a === undefined) return b;
  return {
    committed(records, bytes, seconds) {
      a.committed(records, bytes, seconds);
      b.committed(records, bytes, seconds);
    },
    failed(error) {
      a.failed(error);
      b.failed(error);
    },
  };
}

/** A span context as a parent for spans started outside any request (the NATS publisher's loop). */
export function parentOf(spanContext: SpanContext): Context {
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

function epochMs(performanceMs: number): number {
  return performance.timeOrigin + performanceMs;
}
