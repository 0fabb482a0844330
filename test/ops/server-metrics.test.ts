import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { StatsProviders } from '../../src/api/metrics/providers.js';
import { ServerMetrics } from '../../src/api/metrics/server-metrics.js';
import { parseExposition, sampleValue } from '../helpers/prometheus.js';

const storeStatus = {
  revision: 42,
  compactRevision: 5,
  keys: 17,
  checkpointRevision: 40,
  backend: 'sqlite:/x',
  historyCheck: { state: 'done' as const, checkedRecords: 0, damagedRecords: 0, damagedRevisions: [] },
};

describe('ServerMetrics', () => {
  it('exposes request tallies as cumulative histogram buckets and counters', async () => {
    const metrics = new ServerMetrics({ providers: {}, ready: () => true, version: '9.9.9' });
    for (const seconds of [0.00003, 0.00007, 0.0002, 0.0002, 3])
      metrics.requests.observe('Get', status.OK, seconds);
    metrics.requests.observe('Get', status.NOT_FOUND, 0.001);
    metrics.requests.observe('Set', 99 as status, 0.001); // an unknown code counts as UNKNOWN
    const samples = parseExposition(await metrics.text());
    const bucket = (le: string) =>
      sampleValue(samples, 'kvstore_grpc_request_duration_seconds_bucket', { method: 'Get', le });
    expect([bucket('0.00005'), bucket('0.0001'), bucket('0.00025'), bucket('0.001'), bucket('2.5')]).toEqual([
      1, 2, 4, 5, 5,
    ]);
    expect(bucket('5')).toBe(6);
    expect(bucket('+Inf')).toBe(6);
    expect(sampleValue(samples, 'kvstore_grpc_request_duration_seconds_sum', { method: 'Get' })).toBeCloseTo(
      3.0015,
      6,
    );
    expect(sampleValue(samples, 'kvstore_grpc_requests_total', { method: 'Get', code: 'OK' })).toBe(5);
    expect(sampleValue(samples, 'kvstore_grpc_requests_total', { method: 'Get', code: 'NOT_FOUND' })).toBe(1);
    expect(sampleValue(samples, 'kvstore_grpc_requests_total', { method: 'Set', code: 'UNKNOWN' })).toBe(1);
    expect(sampleValue(samples, 'kvstore_build_info', { version: '9.9.9' })).toBe(1);
    // Scraping twice does not double the counters (they are rebuilt from the tallies on each scrape).
    const again = parseExposition(await metrics.text());
    expect(sampleValue(again, 'kvstore_grpc_requests_total', { method: 'Get', code: 'OK' })).toBe(5);
  });

  it('reports the store, the log, watchers and NATS from their providers, and leaves out what is absent', async () => {
    const providers: StatsProviders = {};
    const metrics = new ServerMetrics({ providers, ready: () => false, version: '0' });
    let samples = parseExposition(await metrics.text());
    for (const name of ['kvstore_revision', 'kvstore_keys', 'kvstore_watchers', 'kvstore_nats_connected'])
      expect(sampleValue(samples, name), name).toBeUndefined();
    expect(sampleValue(samples, 'kvstore_ready')).toBe(0);

    metrics.attachStore({ status: () => storeStatus });
    providers.watchers = () => ({ count: 3, maxLagRevisions: 7 });
    providers.nats = () => ({ connected: false, lagRevisions: 12 });
    metrics.log.committed(3, 300, 0.004);
    metrics.log.committed(200, 20_000, 0.02);
    metrics.log.failed(new Error('disk full'));
    samples = parseExposition(await metrics.text());
    expect(sampleValue(samples, 'kvstore_revision')).toBe(42);
    expect(sampleValue(samples, 'kvstore_compact_revision')).toBe(5);
    expect(sampleValue(samples, 'kvstore_keys')).toBe(17);
    expect(sampleValue(samples, 'kvstore_checkpoint_revision')).toBe(40);
    expect(sampleValue(samples, 'kvstore_watchers')).toBe(3);
    expect(sampleValue(samples, 'kvstore_watch_lag_revisions')).toBe(7);
    expect(sampleValue(samples, 'kvstore_nats_connected')).toBe(0);
    expect(sampleValue(samples, 'kvstore_nats_publish_lag_revisions')).toBe(12);
    expect(sampleValue(samples, 'kvstore_log_commit_records_bucket', { le: '4' })).toBe(1);
    expect(sampleValue(samples, 'kvstore_log_commit_records_bucket', { le: '256' })).toBe(2);
    expect(sampleValue(samples, 'kvstore_log_commit_records_sum')).toBe(203);
    expect(sampleValue(samples, 'kvstore_log_commit_bytes_total')).toBe(20_300);
    expect(sampleValue(samples, 'kvstore_log_commit_failures_total')).toBe(1);
    expect(metrics.log.failure?.message).toBe('disk full');
  });
});
