import { context, DiagLogLevel, diag, propagation, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { AsyncContextManager } from './async-context.js';
import type { TracingSettings } from './tracing-settings.js';

/** Where the SDK's own complaints go (an unreachable collector, a refused export): a warning at most every 30 s. */
export type TracingWarn = (message: string) => void;

/** The OpenTelemetry SDK as kvstore runs it: the tracer its spans come from, and the way to stop it. */
export interface TracingRuntime {
  readonly tracer: Tracer;
  /** Exports the spans still queued, then stops (called last at shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK: a batch span processor into the OTLP/HTTP exporter (endpoint, headers, timeout and
 * protocol from the OTEL_EXPORTER_OTLP_* variables; batching from OTEL_BSP_*; sampling from
 * OTEL_TRACES_SAMPLER, parent-based always-on by default), W3C trace context as the propagator, and the
 * AsyncLocalStorage context manager. The resource says service.name (OTEL_SERVICE_NAME, else `kvstore`) and
 * service.version; OTEL_RESOURCE_ATTRIBUTES adds to it.
 */
export function startTracerProvider(
  settings: TracingSettings,
  version: string,
  warn: TracingWarn,
): TracingRuntime {
  let warnedAt = 0;
  const throttled = (message: string, ...args: unknown[]) => {
    if (Date.now() - warnedAt < 30_000) return;
    warnedAt = Date.now();
    warn([message, ...args.map((a) => (a instanceof Error ? a.message : String(a)))].join(' '));
  };
  const quiet = () => {};
  diag.setLogger(
    { error: throttled, warn: throttled, info: quiet, debug: quiet, verbose: quiet },
    DiagLogLevel.WARN,
  );
  const exporter: SpanExporter =
    settings.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': version }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  const contextManager = new AsyncContextManager();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer('kvstore', version),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
      diag.disable();
    },
  };
}
