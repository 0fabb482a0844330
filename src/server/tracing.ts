import type { ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { HttpApi } from '../api/http/json-api.js';
import type { Config } from '../config/config.js';
import type { CommitObserver } from '../log/commit-observer.js';
import type { EventLog } from '../log/event-log.js';
import { traceHooks } from '../observability/trace-hooks.js';
import { tracingSettings } from '../observability/tracing-settings.js';
import { VERSION } from '../version.js';

/** Tracing as the composition root wires it into each part (docs/tracing.md). */
export interface ServerTracing {
  /** The gRPC interceptor of every call, installed last (outermost) on grpc.listen and etcd.listen. */
  readonly interceptor: ServerInterceptor;
  /** The JSON API with a span per /v1 request. */
  tracedHttpApi(api: HttpApi): HttpApi;
  /** The log with a span per group commit. */
  tracedLog(log: EventLog): EventLog;
  /** The store's commit observer (metrics) and the log tracer's together. */
  observer(metrics: CommitObserver | undefined): CommitObserver;
  /** Exports what is queued and stops the SDK (last thing at shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when `tracing.enabled` or the OTEL_* variables ask for it (see tracing-settings.ts);
 * null otherwise, having loaded nothing of OpenTelemetry: every traced part is imported here, dynamically,
 * only when it is on, and a server without tracing runs exactly the code it ran before tracing existed.
 */
export async function startTracing(config: Config, logger: Logger): Promise<ServerTracing | null> {
  const settings = tracingSettings(config.tracing.enabled, process.env);
  if (settings === null) return null;
  const [sdk, logTracing, streams, grpc, http] = await Promise.all([
    import('../observability/tracer-provider.js'),
    import('../observability/log-tracing.js'),
    import('../observability/stream-tracing.js'),
    import('../api/grpc/tracing-interceptor.js'),
    import('../api/http/http-tracing.js'),
  ]);
  const runtime = sdk.startTracerProvider(settings, VERSION, (message) =>
    logger.warn({ detail: message }, 'tracing: the OpenTelemetry SDK reports a problem'),
  );
  const logTracer = new logTracing.LogTracer(runtime.tracer);
  traceHooks.streams = streams.streamTraceHooks(runtime.tracer, logTracer);
  logger.info(
    { exporter: settings.exporter, serviceName: settings.serviceName, enabledBy: settings.because },
    'tracing on',
  );
  return {
    interceptor: grpc.tracingInterceptor(runtime.tracer),
    tracedHttpApi: (api) => http.tracedHttpApi(api, runtime.tracer),
    tracedLog: (log) => logTracer.wrap(log),
    observer: (metrics) => logTracing.teeObserver(metrics, logTracer.observer),
    async shutdown() {
      traceHooks.streams = null;
      await runtime
        .shutdown()
        .catch((err: unknown) => logger.warn({ err }, 'exporting the last spans failed'));
    },
  };
}
