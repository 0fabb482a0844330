import { type Metadata, ServerInterceptingCall, type ServerInterceptor, status } from '@grpc/grpc-js';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/** Reads W3C trace context (traceparent, tracestate) from a call's metadata. */
const metadataGetter: TextMapGetter<Metadata> = {
  get(metadata, key) {
    const values = metadata.get(key);
    const text = values.filter((v): v is string => typeof v === 'string');
    return text.length === 0 ? undefined : text.length === 1 ? text[0] : text;
  },
  keys: (metadata) => Object.keys(metadata.getMap()),
};

/** Codes a server answers that say the server failed (OpenTelemetry's rpc conventions). */
const SERVER_ERRORS = new Set<status>([
  status.UNKNOWN,
  status.DEADLINE_EXCEEDED,
  status.UNIMPLEMENTED,
  status.INTERNAL,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

/**
 * One SERVER span per gRPC call, unary and streaming, on every service the server registers (kvstore.v1,
 * the etcd API, health, reflection), named `package.Service/Method`, child of the traceparent in the call's
 * metadata when there is one. The handler runs within the span's context, so what it starts (the log
 * append, a watch's catch-up) is its child. Installed last, outermost, only when tracing is on: calls the
 * auth gate refuses never reach it and have no span.
 */
export function tracingInterceptor(tracer: Tracer): ServerInterceptor {
  return (method, call) => {
    const path = method.path.startsWith('/') ? method.path.slice(1) : method.path;
    const slash = path.lastIndexOf('/');
    let span: Span | null = null;
    let active: Context = ROOT_CONTEXT;
    const end = (code: status, details?: string) => {
      if (span === null) return;
      span.setAttribute('rpc.grpc.status_code', code);
      if (SERVER_ERRORS.has(code))
        span.setStatus({ code: SpanStatusCode.ERROR, message: details ?? status[code] });
      span.end();
      span = null;
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
            span = tracer.startSpan(
              path,
              {
                kind: SpanKind.SERVER,
                attributes: {
                  'rpc.system': 'grpc',
                  'rpc.service': path.slice(0, slash),
                  'rpc.method': path.slice(slash + 1),
                },
              },
              parent,
            );
            active = trace.setSpan(parent, span);
            context.with(active, () => forward(metadata));
          },
          onReceiveMessage(message, forward) {
            context.with(active, () => forward(message));
          },
          onReceiveHalfClose(forward) {
            context.with(active, () => forward());
          },
          onCancel() {
            end(status.CANCELLED);
          },
        });
      },
      sendStatus(statusObject, next) {
        end(statusObject.code, statusObject.details);
        next(statusObject);
      },
    });
  };
}
