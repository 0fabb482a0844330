import { readFile } from 'node:fs/promises';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { SetManyResponse__Output } from '../../src/api/generated/kvstore/v1/SetManyResponse.js';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import { clients, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { eventRevisions, recordWatch } from '../helpers/watch-client.js';

async function rssBytes(pid: number): Promise<number> {
  const statusFile = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(statusFile)![1]) * 1024;
}

describe('a watcher that stops reading', () => {
  it('costs the server bounded memory while 100,000 events of 2 KiB are written, then receives all of them in order', async () => {
    const server = await startServerProcess(await tempDir(), ['--watch-max-buffered-events', '1000']);
    const api = clients(server.addr);
    const value = Buffer.alloc(2048, 120);
    const warm = await unaryCall<SetResponse__Output>((cb) => api.kv.Set({ key: 'slow/warm', value }, cb));
    const watch = recordWatch(api.kv, { prefix: 'slow/', start_revision: warm.header!.revision });
    await watch.until((m) => m.header!.revision >= warm.header!.revision);
    watch.stream.pause();
    const rssBefore = await rssBytes(server.process.pid!);

    // 100,000 events as 1,000 batches of 100 (one revision each), eight batches in flight.
    const total = 100_000;
    const perBatch = 100;
    let next = 0;
    let peakRss = rssBefore;
    let last = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        while (next < total / perBatch) {
          const batch = next++;
          const items = Array.from({ length: perBatch }, (_, i) => ({
            key: `slow/${(batch * perBatch + i) % 5000}`,
            value,
          }));
          const res = await unaryCall<SetManyResponse__Output>((cb) => api.kv.SetMany({ items }, cb));
          last = Math.max(last, res.header!.revision);
          if (w === 0 && batch % 100 === 0) peakRss = Math.max(peakRss, await rssBytes(server.process.pid!));
        }
      }),
    );
    peakRss = Math.max(peakRss, await rssBytes(server.process.pid!));
    // Measured here: the server grows 150-160 MB under this write load with the watcher bounded (heap,
    // SQLite cache), and about 300 MB when the watcher's buffers are not bounded (all limits raised).
    expect(peakRss - rssBefore, `RSS grew from ${rssBefore} to ${peakRss}`).toBeLessThan(220 * 1024 * 1024);

    watch.stream.resume();
    await watch.until((m) => m.header!.revision >= last, 120_000);
    const revisions = eventRevisions(watch.messages);
    expect(revisions).toEqual(
      Array.from({ length: last - warm.header!.revision + 1 }, (_, i) => warm.header!.revision + i),
    );
    watch.cancel();
    api.close();
    expect(await server.stop()).toBe(0);
  }, 240_000);

  it('ends watch streams with UNAVAILABLE when the server shuts down', async () => {
    const server = await startServerProcess(await tempDir());
    const api = clients(server.addr);
    const watch = recordWatch(api.kv, { prefix: '' });
    await new Promise((r) => setTimeout(r, 100));
    const code = await server.stop('SIGTERM');
    const error = await watch.ended();
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(code).toBe(0);
    api.close();
  });
});
