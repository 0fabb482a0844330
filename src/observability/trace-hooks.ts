/**
 * The one switch the streams layer reads: null while tracing is off (the default), so a watch catch-up and a
 * NATS publish pay one null check and nothing else. src/server/tracing.ts installs the hooks when tracing is
 * on; this module imports nothing, so turning tracing off keeps OpenTelemetry out of the process entirely.
 */
export const traceHooks: { streams: StreamTraceHooks | null } = { streams: null };

/** A span in progress, as the streams layer sees it (no OpenTelemetry types cross this line). */
export interface TraceScope {
  /** Ends the span with these numeric attributes, failed when `error` is given. */
  end(attributes?: Readonly<Record<string, number>>, error?: Error): void;
}

/** What the streams layer asks of tracing: spans for watch catch-up reads and NATS publishes. */
export interface StreamTraceHooks {
  /** The caller's trace context now (an opaque token), kept by a watcher for its later catch-up reads. */
  capture(): unknown;
  /** A watch starts reading the log from `fromRevision`, within the `captured` context. */
  catchUp(captured: unknown, fromRevision: number): TraceScope;
  /**
   * A change event of `revision` goes to `subject`: a span in the trace of the write that made it, whose
   * context `setHeader` writes into the message (traceparent, tracestate). Null when the write was not traced.
   */
  publish(
    revision: number,
    subject: string,
    setHeader: (name: string, value: string) => void,
  ): TraceScope | null;
}
