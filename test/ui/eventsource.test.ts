import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../load/ports.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

/**
 * The SSE watch with a browser's own EventSource (Debian's chromium via playwright-core): across a server
 * restart it reconnects by itself, sends Last-Event-ID, and receives every change once, in order, including
 * those written while it was away.
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

describe.runIf(available)("the browser's EventSource on /v1/watch", () => {
  it('reconnects by itself after a server restart and resumes with no gap and no duplicate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kvstore-eventsource-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const listen = ['--http-listen', `127.0.0.1:${port}`];
    const base = `http://127.0.0.1:${port}`;
    let server: ServerProcess = await startServerProcess(dir, listen);
    cleanup.push(() => server.stop());
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    cleanup.push(() => browser.close());
    const page = await browser.newPage();
    await page.goto(`${base}/ui/`);
    // Plain page script (a string: the tests are type-checked without the DOM library).
    await page.evaluate(`
      window.seen = []; window.opens = 0;
      const es = new EventSource('/v1/watch?prefix=es/');
      es.onopen = () => { window.opens++; };
      es.onmessage = (m) => {
        const data = JSON.parse(m.data);
        for (const e of data.events) window.seen.push({ id: m.lastEventId, revision: data.revision, key: e.kv.key });
      };
    `);
    const seen = async () => (await page.evaluate('window.seen')) as Seen[];
    await expect.poll(() => page.evaluate('window.opens')).toBe(1);
    const put = async (key: string) => {
      const res = await fetch(`${base}/v1/kv/${key}`, { method: 'PUT', body: key });
      expect(res.status).toBe(200);
    };
    for (const i of [1, 2, 3]) await put(`es/${i}`);
    await expect.poll(async () => (await seen()).length).toBe(3);

    expect(await server.stop()).toBe(0);
    server = await startServerProcess(dir, listen);
    // Written before the browser is back (it retries after 1 s): it must get them from the log.
    for (const i of [4, 5, 6]) await put(`es/${i}`);
    await expect.poll(async () => (await seen()).length, { timeout: 15_000 }).toBe(6);
    await put('es/7');
    await expect.poll(async () => (await seen()).length, { timeout: 5_000 }).toBe(7);

    const all = await seen();
    expect(all.map((s) => s.key)).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `es/${i}`));
    expect(all.map((s) => s.id)).toEqual(all.map((s) => String(s.revision)));
    for (let i = 1; i < all.length; i++) expect(all[i]!.revision).toBeGreaterThan(all[i - 1]!.revision);
    expect(await page.evaluate('window.opens')).toBeGreaterThanOrEqual(2);
  });
});
