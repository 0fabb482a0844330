import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sampleValue } from '../helpers/prometheus.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';

let server: ServerProcess;
let api: ReturnType<typeof clients>;
const http = (path: string) => fetch(`http://127.0.0.1:${server.httpPort}${path}`);

beforeAll(async () => {
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-metrics-')));
  api = clients(server.addr);
});

afterAll(async () => {
  api.close();
  expect(await server.stop()).toBe(0);
});

const set = (key: string) => unaryCall((cb) => api.kv.Set({ key, value: Buffer.from('v') }, cb));
const get = (key: string) => unaryCall((cb) => api.kv.Get({ key }, cb));
const del = (key: string) => unaryCall((cb) => api.kv.Delete({ key }, cb));

describe('the admin HTTP listener', () => {
  it('counts the requests it was sent, by method and status code, with their latency and commits', async () => {
    for (let i = 0; i < 7; i++) await set(`m/${i}`);
    for (let i = 0; i < 5; i++) await get(`m/${i + 4}`); // three found, two not: all OK
    for (let i = 0; i < 3; i++)
      await expect(get('')).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await del('m/0');

    const response = await http('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(await response.text());
    const requests = (method: string, code: string) =>
      sampleValue(samples, 'kvstore_grpc_requests_total', { method, code });
    expect(requests('Set', 'OK')).toBe(7);
    expect(requests('Get', 'OK')).toBe(5);
    expect(requests('Get', 'INVALID_ARGUMENT')).toBe(3);
    expect(requests('Delete', 'OK')).toBe(1);
    expect(sampleValue(samples, 'kvstore_grpc_request_duration_seconds_count', { method: 'Get' })).toBe(8);
    expect(
      sampleValue(samples, 'kvstore_grpc_request_duration_seconds_bucket', { method: 'Set', le: '+Inf' }),
    ).toBe(7);
    // Eight appends (seven sets and a delete), sent one after another: eight commits of one record each.
    expect(sampleValue(samples, 'kvstore_log_commit_records_sum')).toBe(8);
    expect(sampleValue(samples, 'kvstore_log_commit_duration_seconds_count')).toBe(8);
    expect(sampleValue(samples, 'kvstore_log_commit_failures_total')).toBe(0);
    expect(sampleValue(samples, 'kvstore_revision')).toBe(8);
    expect(sampleValue(samples, 'kvstore_compact_revision')).toBe(1);
    expect(sampleValue(samples, 'kvstore_keys')).toBe(6);
    expect(sampleValue(samples, 'kvstore_ready')).toBe(1);
    // NATS is not configured: its gauges are absent rather than a misleading 0.
    expect(sampleValue(samples, 'kvstore_nats_connected')).toBeUndefined();
    // Process and runtime metrics, event-loop delay among them.
    expect(sampleValue(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('answers /healthz and /readyz while serving, and 404 elsewhere', async () => {
    const health = await http('/healthz');
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    const ready = await http('/readyz');
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    expect((await http('/nope')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
