import {
  type Context,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { type LogTracer, parentOf } from './log-tracing.js';
import type { StreamTraceHooks, TraceScope } from './trace-hooks.js';

/**
 * The streams layer's spans: `kvstore.watch.catch_up` (a watch reading the log, child of the watch's RPC
 * span) and `kvstore.nats.publish` (a change event sent to NATS, child of the group commit that wrote it,
 * or of the writing request with a link to that commit when the commit's span belongs to another request's
 * trace). The publish span's context goes into the message's headers as W3C traceparent / tracestate.
 */
export function streamTraceHooks(tracer: Tracer, log: LogTracer): StreamTraceHooks {
  return {
    capture: () => context.active(),
    catchUp(captured, fromRevision) {
      const span = tracer.startSpan(
        'kvstore.watch.catch_up',
        { kind: SpanKind.INTERNAL, attributes: { 'kvstore.watch.from_revision': fromRevision } },
        captured as Context,
      );
      return scope(span);
    },
    publish(revision, subject, setHeader) {
      const writer = log.writer(revision);
      log.forgetBelow(revision);
      if (writer === null) return null;
      const sameTrace = writer.request.traceId === writer.batch.traceId;
      const span = tracer.startSpan(
        'kvstore.nats.publish',
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            'messaging.system': 'nats',
            'messaging.operation.type': 'send',
            'messaging.destination.name': subject,
            'kvstore.revision': revision,
          },
          links: sameTrace ? [] : [{ context: writer.batch }],
        },
        parentOf(sameTrace ? writer.batch : writer.request),
      );
      propagation.inject(trace.setSpan(context.active(), span), undefined, {
        set: (_carrier: unknown, name: string, value: string) => setHeader(name, value),
      });
      return scope(span);
    },
  };
}

function scope(span: ReturnType<Tracer['startSpan']>): TraceScope {
  return {
    end(attributes, error) {
      if (attributes) span.setAttributes(attributes);
      if (error) {
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }
      span.end();
    },
  };
}
