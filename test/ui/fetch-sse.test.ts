import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../load/ports.js';
import { apiKeyLine, createApiKey } from '../../src/security/api-keys.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The console's SSE reader (web/sse.js: fetch with a streaming parser, since EventSource cannot send an
 * Authorization header) in chromium, against a server with API keys: it carries the key on every connect,
 * and across a server restart it reconnects with Last-Event-ID and receives every change once, in order,
 * including those written while it was away; the key never appears in a URL.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM) || process.env.CI === 'true';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Seen {
  readonly id: string;
  readonly revision: number;
  readonly key: string;
}

describe.runIf(available)("the console's fetch-based SSE reader on /v1/watch with an API key", () => {
  it('sends the key, resumes after a server restart with no gap and no duplicate', async () => {
    const dir = await tempDir('kvstore-fetch-sse-');
    const { key, entry } = createApiKey('console', ['admin']);
    await writeFile(join(dir, 'keys.yaml'), `${apiKeyLine(entry)}\n`);
    const port = await freePort();
    const args = ['--http-listen', `127.0.0.1:${port}`, '--security-api-keys-file', join(dir, 'keys.yaml')];
    const base = `http://127.0.0.1:${port}`;
    let server: ServerProcess = await startServerProcess(join(dir, 'data'), args);
    cleanup.push(() => server.stop());
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    cleanup.push(() => browser.close());
    const page = await browser.newPage();
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`${base}/ui/`);
    // Plain page script (a string: the tests are type-checked without the DOM library).
    await page.evaluate(`(async () => {
      const { followSse } = await import('/ui/sse.js');
      window.seen = []; window.opens = 0; window.refusals = [];
      followSse('/v1/watch?prefix=es/', () => ({ authorization: 'Bearer ${key}' }), {
        onOpen: () => { window.opens++; },
        onMessage: (data, id) => {
          const d = JSON.parse(data);
          for (const e of d.events) window.seen.push({ id, revision: d.revision, key: e.kv.key });
        },
        onRefused: (status) => window.refusals.push(status),
      });
    })()`);
    const seen = async () => (await page.evaluate('window.seen')) as Seen[];
    await expect.poll(() => page.evaluate('window.opens')).toBe(1);
    const put = async (k: string) => {
      const res = await fetch(`${base}/v1/kv/${k}`, {
        method: 'PUT',
        body: k,
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
    };
    for (const i of [1, 2, 3]) await put(`es/${i}`);
    await expect.poll(async () => (await seen()).length).toBe(3);

    expect(await server.stop()).toBe(0);
    server = await startServerProcess(join(dir, 'data'), args);
    // Written before the reader is back (it retries after the server's retry: 1 s): it gets them from the log.
    for (const i of [4, 5, 6]) await put(`es/${i}`);
    await expect.poll(async () => (await seen()).length, { timeout: 15_000 }).toBe(6);
    await put('es/7');
    await expect.poll(async () => (await seen()).length, { timeout: 5_000 }).toBe(7);

    const all = await seen();
    expect(all.map((s) => s.key)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `es/${i}`));
    expect(all.map((s) => s.id)).toEqual(all.map((s) => String(s.revision)));
    expect(await page.evaluate('window.opens')).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate('window.refusals')).toEqual([]);
    expect(urls.filter((u) => u.includes(key))).toEqual([]);
  });
});
