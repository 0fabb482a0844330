import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tracingSettings } from '../../src/observability/tracing-settings.js';

describe('when tracing is on', () => {
  it('is off by default, with no OTEL_* variable and tracing.enabled false', () => {
    expect(tracingSettings(false, {})).toBeNull();
  });

  it('is turned on by tracing.enabled, OTEL_TRACES_EXPORTER or an OTLP endpoint variable', () => {
    expect(tracingSettings(true, {})).toMatchObject({ exporter: 'otlp', because: 'tracing.enabled' });
    expect(tracingSettings(false, { OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ exporter: 'otlp' });
    expect(tracingSettings(false, { OTEL_TRACES_EXPORTER: 'console' })).toMatchObject({
      exporter: 'console',
    });
    expect(tracingSettings(false, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toMatchObject({
      exporter: 'otlp',
      because: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    });
    expect(
      tracingSettings(false, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }),
    ).toMatchObject({ because: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' });
  });

  it('names the service kvstore unless OTEL_SERVICE_NAME says otherwise', () => {
    expect(tracingSettings(true, {})?.serviceName).toBe('kvstore');
    expect(tracingSettings(true, { OTEL_SERVICE_NAME: 'kv-eu-1' })?.serviceName).toBe('kv-eu-1');
  });

  it('stays off when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, whatever else asks', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings(true, { ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(tracingSettings(true, { ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
  });

  it('refuses an exporter kvstore does not ship, naming the variable and what is allowed', () => {
    expect(() => tracingSettings(false, { OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(
      'OTEL_TRACES_EXPORTER: "zipkin" is not supported; kvstore ships one of otlp, console or none',
    );
  });
});

/** Files reached from `entries` by static imports (not `import type`, not `import()`), and what each imports. */
function staticGraph(entries: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const queue = entries.map((e) => resolve(e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (graph.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)';/gms)].map(
      (m) => m[1]!,
    );
    graph.set(file, specifiers);
    for (const s of specifiers)
      if (s.startsWith('.')) queue.push(join(dirname(file), s.replace(/\.js$/, '.ts')));
  }
  return graph;
}

describe('tracing off', () => {
  it('loads nothing of OpenTelemetry: no module `kvstore serve` imports statically imports @opentelemetry/*', () => {
    const graph = staticGraph(['src/cli/commands/serve.ts', 'src/server/start-server.ts']);
    // The graph is the server's: the write path and the streams layer, whose trace hooks are one null check.
    for (const file of [
      'src/store/write-path.ts',
      'src/streams/nats/publisher.ts',
      'src/observability/trace-hooks.ts',
    ])
      expect(graph.has(resolve(file)), file).toBe(true);
    expect(graph.has(resolve('src/observability/tracer-provider.ts'))).toBe(false);
    const offenders = [...graph].filter(([, specs]) => specs.some((s) => s.startsWith('@opentelemetry/')));
    expect(offenders.map(([file]) => file)).toEqual([]);
  });
});
