import { join } from 'node:path';
import { context, propagation, type Span, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/log/events.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-log.js';
import { AsyncContextManager } from '../../src/observability/async-context.js';
import { LogTracer, teeObserver } from '../../src/observability/log-tracing.js';
import { streamTraceHooks } from '../../src/observability/stream-tracing.js';
import { tempDir } from '../helpers/temp-dir.js';

const put = (key: string): LogEvent[] => [
  { type: 'put', key, value: Buffer.from('v'), expiresAt: 0, createRevision: 0, version: 1, prevRevision: 0 },
];

describe('log append spans (a real SQLite log, the SDK exporting into memory)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  const manager = new AsyncContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(async () => {
    context.disable();
    propagation.disable();
    await provider.shutdown();
  });

  it('makes one span per group commit: child of its first request, linked to the others, with the batch size', async () => {
    const logTracer = new LogTracer(tracer);
    const observed: number[] = [];
    const observer = teeObserver(
      { committed: (records) => observed.push(records), failed: () => {} },
      logTracer.observer,
    );
    const inner = await SqliteEventLog.open(join(await tempDir(), 'log.sqlite'), { observer });
    const log = logTracer.wrap(inner);
    const requests: Span[] = ['first', 'second', 'third'].map((name) => tracer.startSpan(name));
    try {
      // Three requests in one turn of the event loop: one group commit. A fourth append has no span.
      const appended = await Promise.all([
        ...requests.map((r, i) =>
          context.with(trace.setSpan(context.active(), r), () => log.append(put(`k${i}`))),
        ),
        log.append(put('untraced')),
      ]);
      expect(appended.map((r) => r.revision)).toEqual([1, 2, 3, 4]);
      expect(observed).toEqual([4]);

      const hooks = streamTraceHooks(tracer, logTracer);
      const headers = new Map<string, string>();
      const first = hooks.publish(1, 'kvstore.events.k0', (k, v) => headers.set(`1 ${k}`, v));
      const second = hooks.publish(2, 'kvstore.events.k1', (k, v) => headers.set(`2 ${k}`, v));
      expect(hooks.publish(4, 'kvstore.events.untraced', (k, v) => headers.set(`4 ${k}`, v))).toBeNull();
      first?.end();
      second?.end();

      const spans = exporter.getFinishedSpans();
      const appends = spans.filter((s) => s.name === 'kvstore.log.append');
      expect(appends).toHaveLength(1);
      const batch = appends[0]!;
      const [r0, r1, r2] = requests.map((r) => r.spanContext());
      expect(batch.spanContext().traceId).toBe(r0!.traceId);
      expect(batch.parentSpanContext?.spanId).toBe(r0!.spanId);
      expect(batch.links.map((l) => l.context.spanId)).toEqual([r1!.spanId, r2!.spanId]);
      expect(batch.attributes).toMatchObject({
        'kvstore.log.batch_size': 4,
        'kvstore.log.traced_appends': 3,
        'kvstore.log.first_revision': 1,
        'kvstore.log.last_revision': 4,
      });
      expect(batch.attributes['kvstore.log.batch_bytes']).toBeGreaterThan(0);

      // Revision 1's publish is the commit's child; revision 2's stays in its own request's trace.
      const publishes = spans.filter((s) => s.name === 'kvstore.nats.publish');
      const [p1, p2] = [1, 2].map((rev) => publishes.find((p) => p.attributes['kvstore.revision'] === rev)!);
      expect(p1!.parentSpanContext?.spanId).toBe(batch.spanContext().spanId);
      expect(p2!.spanContext().traceId).toBe(r1!.traceId);
      expect(p2!.parentSpanContext?.spanId).toBe(r1!.spanId);
      expect(p2!.links.map((l) => l.context.spanId)).toEqual([batch.spanContext().spanId]);
      expect(headers.get('1 traceparent')).toBe(`00-${r0!.traceId}-${p1!.spanContext().spanId}-01`);
      expect(headers.get('2 traceparent')).toBe(`00-${r1!.traceId}-${p2!.spanContext().spanId}-01`);
      expect(headers.has('4 traceparent')).toBe(false);
    } finally {
      for (const r of requests) r.end();
      await log.close();
    }
  });
});
