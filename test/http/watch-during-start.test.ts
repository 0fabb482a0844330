import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AdminEndpoints,
  type RunningAdminServer,
  startAdminServer,
} from '../../src/api/http/admin-server.js';
import { Readiness } from '../../src/api/http/readiness.js';
import type { ServerMetrics } from '../../src/api/metrics/server-metrics.js';

let admin: RunningAdminServer | null = null;

afterEach(async () => {
  await admin?.close();
  admin = null;
});

/** The admin listener as the server starts it: the JSON API is 'starting' until the store serves. */
async function startingListener(): Promise<AdminEndpoints> {
  const endpoints: AdminEndpoints = {
    // /v1 requests never reach the metrics: the listener's own object is not needed here.
    metrics: {} as ServerMetrics,
    readiness: new Readiness(),
    logger: pino({ level: 'silent' }),
    api: 'starting',
  };
  admin = await startAdminServer('127.0.0.1:0', endpoints);
  return endpoints;
}

/** A JSON API that answers every /v1 request with 200 and the path. */
const serving = {
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`served ${req.url}`);
    return true;
  },
};

describe('the admin listener while the server starts', () => {
  it("holds a watch until the API serves (a browser's EventSource would give up on a 503 for good)", async () => {
    const endpoints = await startingListener();
    // Counts how often the listener looks at the API: a held watch keeps looking until it serves.
    let api: AdminEndpoints['api'] = 'starting';
    let looks = 0;
    Object.defineProperty(endpoints, 'api', {
      get: () => {
        looks++;
        return api;
      },
    });
    const answer = fetch(`http://127.0.0.1:${admin!.port}/v1/watch?prefix=a/`);
    // Arrived and waiting (looked at again after its first look), not answered 503.
    await expect.poll(() => looks, { timeout: 10_000 }).toBeGreaterThan(3);
    api = serving;
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('served /v1/watch?prefix=a/');
  });

  it('answers other JSON API requests 503 with Retry-After while it starts', async () => {
    await startingListener();
    const res = await fetch(`http://127.0.0.1:${admin!.port}/v1/kv/a`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.text()).toMatch(/the server is starting/);
  });
});
