import { describe, expect, it } from 'vitest';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import { rawWatch, rssBytes } from '../helpers/raw-watch.js';
import { clients, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const MiB = 1024 * 1024;

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('watchers with prev_kv that stop reading while 1 MiB values are rewritten', () => {
  it('cost the server bounded memory, then receive every revision in order', async () => {
    const server = await startServerProcess(await tempDir(), ['--data-durability', 'relaxed']);
    const api = clients(server.addr);
    const pid = server.process.pid!;
    const watchers = [];
    try {
      const value = (i: number) => Buffer.alloc(MiB, 97 + (i % 26));
      const keys = 4;
      let last = 0;
      let peak = 0;
      const rewrite = async (count: number) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async (_, lane) => {
            while (next < count) {
              const i = next++;
              const res = await unaryCall<SetResponse__Output>((cb) =>
                api.kv.Set({ key: `big/${i % keys}`, value: value(i) }, cb),
              );
              last = Math.max(last, res.header!.revision);
              if (lane === 0) peak = Math.max(peak, await rssBytes(pid));
            }
          }),
        );
      };
      // The same load without watchers first: what the write path itself takes is in the baseline.
      await rewrite(40);
      const from = last + 1;
      // Three different prefixes over the same keys: three groups, so no message is shared between them.
      for (const prefix of ['big/', 'big', 'bi']) {
        watchers.push(rawWatch(server.addr, { prefix, prev_kv: true, start_revision: from }));
      }
      const before = await rssBytes(pid);
      peak = before;
      const t0 = Date.now();
      await rewrite(60);
      peak = Math.max(peak, await rssBytes(pid));
      const t1 = Date.now();
      console.log(
        `watch memory: RSS ${(before / MiB).toFixed(0)} MiB before, peak ${(peak / MiB).toFixed(0)} MiB`,
      );
      expect(peak - before, `RSS grew from ${before} to ${peak}`).toBeLessThan(150 * MiB);

      for (const w of watchers) w.resume();
      const expected = Array.from({ length: last - from + 1 }, (_, i) => from + i);
      for (const w of watchers) {
        const revisions = () => w.messages.flatMap((m) => m.events.map((e) => e.kv!.mod_revision));
        await until(() => (revisions().at(-1) ?? 0) >= last, 60_000, 'the watcher to catch up');
        expect(revisions()).toEqual(expected);
        const withPrev = w.messages.flatMap((m) => m.events).filter((e) => e.prev_kv);
        expect(withPrev.length).toBe(expected.length);
      }
      console.log(`watch memory: writes ${t1 - t0} ms, catch-up ${Date.now() - t1} ms`);
    } finally {
      for (const w of watchers) w.close();
      api.close();
      server.process.kill('SIGKILL');
    }
  }, 120_000);
});
