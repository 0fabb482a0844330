import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type KvClient, KvError } from '../../src/client/index.js';
import { parseRoles } from '../../src/security/roles.js';
import { AccessControl } from '../../src/service/access.js';
import { RateLimiter } from '../../src/service/rate-limiter.js';
import { authFiles } from '../helpers/auth-files.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/** Issue 13, item 5: per-principal rate limits (token buckets on requests/s and bytes/s). */

function accessWith(rateLimit: Record<string, unknown>, name = 'bot') {
  const table = parseRoles({ roles: { limited: { read: ['**'], rateLimit } } }, 'roles');
  return new AccessControl(table).accessOf({ name, roles: ['limited'], via: 'api-key' });
}

describe('the rate limiter', () => {
  it('admits 50 requests/s within 10 % over 5 s of callers asking every millisecond', () => {
    let now = 0;
    const limiter = new RateLimiter(undefined, () => now);
    const access = accessWith({ requestsPerSecond: 50 });
    let admitted = 0;
    for (now = 0; now < 5000; now++) if (limiter.admit(access, 10) === null) admitted++;
    expect(admitted).toBeGreaterThanOrEqual(250 * 0.9);
    expect(admitted).toBeLessThanOrEqual(250 * 1.1);
  });

  it('says which limit and when to retry; a large request passes a full bytes bucket and leaves it in debt', () => {
    let now = 0;
    const refused: string[] = [];
    const limiter = new RateLimiter(
      (kind) => refused.push(kind),
      () => now,
    );
    const access = accessWith({ bytesPerSecond: '1KiB' });
    expect(limiter.admit(access, 4096)).toBeNull();
    const err = limiter.admit(access, 10);
    expect(err).toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      details: { principal: 'bot', limit: 'bytes' },
    });
    expect(err?.message).toMatch(
      /^rate limit: principal "bot" may send 1024 request bytes\/s .*retry in \d+ ms$/,
    );
    // 4 KiB of debt at 1 KiB/s: about 3 s until 10 bytes fit again.
    expect(Number(err?.details['retry-after-ms'])).toBeGreaterThan(2900);
    now = 3100;
    expect(limiter.admit(access, 10)).toBeNull();
    expect(refused).toEqual(['bytes']);
  });

  it('keeps one budget per principal and none for principals without a limit', () => {
    const now = 0;
    const limiter = new RateLimiter(undefined, () => now);
    const a = accessWith({ requestsPerSecond: 1, burst: 1 }, 'a');
    const b = accessWith({ requestsPerSecond: 1, burst: 1 }, 'b');
    expect(limiter.admit(a, 0)).toBeNull();
    expect(limiter.admit(a, 0)?.details.limit).toBe('requests');
    expect(limiter.admit(b, 0)).toBeNull();
    const free = new AccessControl(parseRoles(null, 'r')).accessOf({
      name: 'c',
      roles: ['admin'],
      via: 'jwt',
    });
    for (let i = 0; i < 100; i++) expect(limiter.admit(free, 1e6)).toBeNull();
  });

  it('refuses malformed rateLimit settings, naming the role and the field', () => {
    expect(() => accessWith({ requestsPerSecond: -1 })).toThrow(
      'role "limited": rateLimit.requestsPerSecond',
    );
    expect(() => accessWith({ bytesPerSecond: 'lots' })).toThrow('rateLimit.bytesPerSecond');
    expect(() => accessWith({ perMinute: 5 })).toThrow('unknown field perMinute');
    expect(() => accessWith({})).toThrow('set requestsPerSecond, bytesPerSecond or both');
  });
});

describe('rate limits on a server', () => {
  let server: ServerProcess;
  const keys: Record<string, string> = {};
  const clients: KvClient[] = [];

  beforeAll(async () => {
    const dir = await suiteDir();
    const files = await authFiles(
      dir,
      [
        ['bot', ['limited']],
        ['root', ['admin']],
      ],
      'roles:\n  limited:\n    read: ["**"]\n    write: ["**"]\n    rateLimit: { requestsPerSecond: 50 }\n',
    );
    Object.assign(keys, files.keys);
    server = await startServerProcess(join(dir, 'data'), files.flags);
  }, 30_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.stop();
  });

  it('holds a principal to 50 requests/s over 5 s across gRPC, refusing the rest with retry-after-ms', async () => {
    const bot = connect({ endpoints: [server.addr], apiKey: keys.bot });
    clients.push(bot);
    let admitted = 0;
    let limited = 0;
    let retryAfter = '';
    const started = performance.now();
    const until = started + 5000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          try {
            await bot.get('k');
            admitted++;
          } catch (err) {
            if (!(err instanceof KvError) || err.code !== status.RESOURCE_EXHAUSTED) throw err;
            limited++;
            retryAfter = err.trailers['retry-after-ms'] ?? '';
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // The limit never lets more through than the rate (plus its burst of 5) allows, however hard it is pushed.
    expect(admitted).toBeLessThanOrEqual(50 * seconds * 1.1 + 5);
    expect(limited).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/kvstore_rate_limited_total\{limit="requests"\} [1-9]/);
  }, 30_000);

  it('is one budget with HTTP (429 with Retry-After), and other principals are not held back', async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    let refusedHttp: Response | null = null;
    for (let i = 0; i < 200 && refusedHttp === null; i++) {
      const res = await fetch(`${base}/v1/kv/k`, { headers: { authorization: `Bearer ${keys.bot}` } });
      if (res.status === 429) refusedHttp = res;
      else await res.body?.cancel();
    }
    expect(refusedHttp, 'no 429 in 200 requests at 50/s').not.toBeNull();
    expect(Number(refusedHttp!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refusedHttp!.json()) as { code: string; details: Record<string, string> };
    expect(body.code).toBe('RESOURCE_EXHAUSTED');
    expect(body.details).toMatchObject({ principal: 'bot', limit: 'requests' });
    const root = connect({ endpoints: [server.addr], apiKey: keys.root });
    clients.push(root);
    for (let i = 0; i < 100; i++) await root.get('k');
  }, 30_000);
});
