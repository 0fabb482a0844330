/** How traces leave the process: OTLP/HTTP (configured by the OTEL_EXPORTER_OTLP_* variables) or stdout. */
export type TraceExporterKind = 'otlp' | 'console';

/** Tracing as the configuration and the environment ask for it. */
export interface TracingSettings {
  readonly exporter: TraceExporterKind;
  /** service.name of every span (OTEL_SERVICE_NAME, else `kvstore`). */
  readonly serviceName: string;
  /** Which setting turned it on, for the start-up log line. */
  readonly because: string;
}

/** Environment variables read here (the standard OpenTelemetry ones). */
export type OtelEnv = Readonly<Record<string, string | undefined>>;

/**
 * Whether tracing is on, and how: null (off, the default) unless `tracing.enabled` is true,
 * OTEL_TRACES_EXPORTER names an exporter, or an OTLP endpoint is set. OTEL_SDK_DISABLED=true and
 * OTEL_TRACES_EXPORTER=none turn it off whatever else says. Throws for an exporter kvstore does not ship.
 */
export function tracingSettings(configEnabled: boolean, env: OtelEnv): TracingSettings | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || 'kvstore';
  const named = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (named.includes('none')) return null;
  if (named.length > 0) {
    const unknown = named.filter((n) => n !== 'otlp' && n !== 'console');
    if (unknown.length > 0 || named.length > 1)
      throw new Error(
        `OTEL_TRACES_EXPORTER: "${env.OTEL_TRACES_EXPORTER}" is not supported; kvstore ships one of otlp, console or none`,
      );
    return { exporter: named[0] as TraceExporterKind, serviceName, because: 'OTEL_TRACES_EXPORTER' };
  }
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : null;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : null;
  if (configEnabled) return { exporter: 'otlp', serviceName, because: 'tracing.enabled' };
  if (endpoint ?? base) return { exporter: 'otlp', serviceName, because: (endpoint ?? base)! };
  return null;
}
