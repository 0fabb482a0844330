import { type ServiceError, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../load/ports.js';
import type { GetResponse__Output } from '../../src/api/generated/kvstore/v1/GetResponse.js';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import { collectGarbage, inspectorEnv } from '../helpers/inspector.js';
import { rssBytes } from '../helpers/raw-watch.js';
import { clients, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const MiB = 1024 * 1024;

/** The server's JS heap in use plus its buffers outside the heap, from /metrics. */
async function liveBytes(httpPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return value('nodejs_heap_size_used_bytes') + value('nodejs_external_memory_bytes');
}

describe('request bytes in flight', () => {
  it('past the limit are refused with RESOURCE_EXHAUSTED naming it; memory stays bounded and returns', async () => {
    const inspectorPort = await freePort();
    const server = await startServerProcess(
      await tempDir(),
      ['--data-durability', 'relaxed'],
      inspectorEnv(inspectorPort),
    );
    const api = clients(server.addr);
    const pid = server.process.pid!;
    try {
      const keys = 8;
      const value = (i: number) => Buffer.alloc(MiB, 97 + (i % 26));
      for (let k = 0; k < keys; k++)
        await unaryCall((cb) => api.kv.Set({ key: `load/${k}`, value: value(k) }, cb));
      const before = await rssBytes(pid);
      const liveBefore = await liveBytes(server.httpPort);
      let peak = before;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await rssBytes(pid).catch(() => 0));
          await new Promise((r) => setTimeout(r, 20));
        }
      })();

      const total = 512;
      const outcomes = await Promise.all(
        Array.from({ length: total }, (_, i) =>
          unaryCall<SetResponse__Output>((cb) =>
            api.kv.Set({ key: `load/${i % keys}`, value: value(i) }, cb),
          ).then(
            (res) => ({ i, revision: res.header!.revision, err: null as ServiceError | null }),
            (err: ServiceError) => ({ i, revision: 0, err }),
          ),
        ),
      );
      sampling = false;
      await sampler;
      const acked = outcomes.filter((o) => o.err === null);
      const refused = outcomes.filter((o) => o.err !== null);
      console.log(
        `admission: ${acked.length} acknowledged, ${refused.length} refused; RSS ${Math.round(before / MiB)} MiB before, peak ${Math.round(peak / MiB)} MiB`,
      );
      expect(refused.length).toBeGreaterThan(0);
      for (const { err } of refused) {
        expect(err!.code).toBe(status.RESOURCE_EXHAUSTED);
        expect(err!.details).toMatch(/limits\.maxInflightBytes/);
      }
      // Every acknowledged write is there: the last acknowledged revision of each key holds its value.
      const newest = new Map<number, (typeof acked)[number]>();
      for (const o of acked) {
        const k = o.i % keys;
        if ((newest.get(k)?.revision ?? 0) < o.revision) newest.set(k, o);
      }
      for (const [k, o] of newest) {
        const got = await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: `load/${k}` }, cb));
        expect(got.kv!.mod_revision).toBe(o.revision);
        expect(got.kv!.value.equals(value(o.i))).toBe(true);
      }
      expect(peak - before, `RSS grew from ${before} to ${peak}`).toBeLessThan(500 * MiB);

      // After the load, nothing the load brought in is still held: once a full garbage collection has run,
      // the server's live memory (JS heap and buffers) is back where it was. The collection is asked for:
      // left to itself V8 may keep the garbage until it next needs room. (RSS stays near the peak: glibc
      // keeps what was freed in its heap for reuse; it is not held by the server.)
      const deadline = Date.now() + 20_000;
      let live: number;
      for (;;) {
        await collectGarbage(inspectorPort);
        live = await liveBytes(server.httpPort);
        if (live - liveBefore < 48 * MiB || Date.now() > deadline) break;
        // Buffers are released as the collector's sweeping finishes, which can trail the collection.
        await new Promise((r) => setTimeout(r, 200));
      }
      const after = await rssBytes(pid);
      console.log(
        `admission: after the load: heap + buffers ${Math.round(liveBefore / MiB)} -> ${Math.round(live / MiB)} MiB, RSS ${Math.round(after / MiB)} MiB`,
      );
      expect(live - liveBefore, `live memory ${live} after the load, ${liveBefore} before`).toBeLessThan(
        48 * MiB,
      );
    } finally {
      api.close();
      server.process.kill('SIGKILL');
    }
  }, 120_000);
});
