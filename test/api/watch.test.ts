import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetResponse__Output } from '../../src/api/generated/kvstore/v1/GetResponse.js';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { eventRevisions, recordWatch } from '../helpers/watch-client.js';

let server: ServerProcess;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-watch-')), [
    '--expiry-sweep-interval',
    '20ms',
  ]);
  api = clients(server.addr);
});

afterAll(async () => {
  api.close();
  await server.stop();
});

const set = (key: string, value: string, ttl_ms?: number) =>
  unaryCall<SetResponse__Output>((cb) =>
    api.kv.Set({ key, value: Buffer.from(value), ...(ttl_ms === undefined ? {} : { ttl_ms }) }, cb),
  );
const del = (key: string) => unaryCall<{ deleted: boolean }>((cb) => api.kv.Delete({ key }, cb));

/** Writes `count` keys under `prefix`, `concurrency` at a time; returns the revisions. */
async function writeMany(prefix: string, count: number, concurrency = 64): Promise<number[]> {
  const revisions: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        revisions.push((await set(`${prefix}${i % 500}`, `v${i}`)).header!.revision);
      }
    }),
  );
  return revisions.sort((a, b) => a - b);
}

describe('Watch', () => {
  it('replays history from start_revision, then joins the live feed: every revision once, in order', async () => {
    const before = await writeMany('hist/', 5000);
    const from = before[2500]!;
    const watch = recordWatch(api.kv, { prefix: 'hist/', start_revision: from });
    const during = await writeMany('hist/', 2000);
    const last = during.at(-1)!;
    await watch.until((m) => m.header!.revision >= last);
    watch.cancel();
    const expected = [...before, ...during].filter((r) => r >= from);
    expect(eventRevisions(watch.messages)).toEqual(expected);
    // A message may carry several revisions, never part of one; its header names the newest.
    for (const m of watch.messages.filter((x) => !x.progress)) {
      expect(m.header!.revision).toBe(m.events.at(-1)!.kv!.mod_revision);
    }
  });

  it('delivers puts, deletes and expiries of one key with metadata and prev_kv, from history and live', async () => {
    const a = await set('one/k', 'first');
    await set('other/k', 'ignored');
    const b = await set('one/k', 'second');
    const historic = recordWatch(api.kv, { key: 'one/k', start_revision: a.header!.revision, prev_kv: true });
    await historic.until((m) => m.header!.revision >= b.header!.revision);
    const live = recordWatch(api.kv, { key: 'one/k', prev_kv: true });
    await new Promise((r) => setTimeout(r, 100));
    await del('one/k');
    const c = await set('one/k', 'third', 100);
    for (const w of [historic, live]) {
      const expiry = await w.until((m) => m.events.some((e) => e.type === 'EXPIRE'));
      expect(expiry.events[0]!.kv!.key).toBe('one/k');
      expect(expiry.events[0]!.prev_kv!.value.toString()).toBe('third');
      expect(expiry.events[0]!.prev_kv!.mod_revision).toBe(c.header!.revision);
    }
    const events = (w: typeof live) => w.messages.flatMap((m) => m.events);
    expect(events(historic).map((e) => e.type)).toEqual(['PUT', 'PUT', 'DELETE', 'PUT', 'EXPIRE']);
    expect(events(live).map((e) => e.type)).toEqual(['DELETE', 'PUT', 'EXPIRE']);
    const second = events(historic)[1]!;
    expect(second.kv).toMatchObject({ key: 'one/k', version: 2, create_revision: a.header!.revision });
    expect(second.kv!.value.toString()).toBe('second');
    expect(second.prev_kv!.value.toString()).toBe('first');
    const liveDelete = events(live)[0]!;
    expect(liveDelete.prev_kv!.value.toString()).toBe('second');
    const liveExpiry = events(live)[2]!;
    expect(liveExpiry.kv!.mod_revision).toBeGreaterThan(c.header!.revision);
    historic.cancel();
    live.cancel();
  });

  it('watches ranges and honours no_put / no_delete', async () => {
    const range = recordWatch(api.kv, { start: 'r/b', end: 'r/d', no_delete: true });
    const deletesOnly = recordWatch(api.kv, { prefix: 'r/', no_put: true });
    await new Promise((r) => setTimeout(r, 100));
    for (const k of ['r/a', 'r/b', 'r/c', 'r/d']) await set(k, k);
    await del('r/c');
    const marker = await set('r/zz', 'end');
    await del('r/zz');
    await range.until(() => true);
    await deletesOnly.until((m) => m.events.some((e) => e.kv!.key === 'r/zz'));
    await new Promise((r) => setTimeout(r, 100));
    expect(range.messages.flatMap((m) => m.events.map((e) => `${e.type} ${e.kv!.key}`))).toEqual([
      'PUT r/b',
      'PUT r/c',
    ]);
    expect(deletesOnly.messages.flatMap((m) => m.events.map((e) => `${e.type} ${e.kv!.key}`))).toEqual([
      'DELETE r/c',
      'DELETE r/zz',
    ]);
    expect(marker.header!.revision).toBeGreaterThan(0);
    range.cancel();
    deletesOnly.cancel();
  });

  it('sends progress messages to an idle watcher', async () => {
    const head = await set('idle/noise', 'x');
    const watch = recordWatch(api.kv, { prefix: 'quiet/', progress_interval_ms: 200 });
    const progress = await watch.until((m) => m.progress);
    expect(progress.events).toHaveLength(0);
    expect(progress.header!.revision).toBeGreaterThanOrEqual(head.header!.revision);
    watch.cancel();
  });

  it('refuses bad requests with INVALID_ARGUMENT naming the field', async () => {
    const both = recordWatch(api.kv, { key: 'a', prefix: 'b' });
    expect((await both.ended())?.code).toBe(status.INVALID_ARGUMENT);
    expect(both.error!.details).toMatch(/^key: cannot be combined with prefix/);
    const tooLong = recordWatch(api.kv, { key: 'k'.repeat(5000) });
    expect((await tooLong.ended())?.details).toMatch(/^key: is 5000 bytes, over the limit of 4096 bytes/);
    const negative = recordWatch(api.kv, { prefix: 'x', start_revision: -1 });
    expect((await negative.ended())?.details).toMatch(/^start_revision: is -1/);
  });
});

describe('Watch after compaction', () => {
  it('answers a start_revision below the compaction point with OUT_OF_RANGE and the compact revision', async () => {
    for (let i = 0; i < 20; i++) await set('compacted/k', `v${i}`);
    const head = await set('compacted/k', 'last');
    const compactTo = head.header!.revision - 5;
    await unaryCall((cb) => api.admin.Compact({ revision: compactTo }, cb));
    const watch = recordWatch(api.kv, { key: 'compacted/k', start_revision: 1 });
    const error = await watch.ended();
    expect(error?.code).toBe(status.OUT_OF_RANGE);
    expect(error?.details).toMatch(
      new RegExp(`^start_revision: revision 1 has been compacted; the oldest available is ${compactTo}`),
    );
    expect(error?.metadata.get('compact-revision')).toEqual([String(compactTo)]);
    // From the compaction point on, history is still there, and reads are unaffected.
    const resumed = recordWatch(api.kv, { key: 'compacted/k', start_revision: compactTo });
    await resumed.until((m) => m.header!.revision >= head.header!.revision);
    expect(eventRevisions(resumed.messages)).toHaveLength(6);
    resumed.cancel();
    const got = await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: 'compacted/k' }, cb));
    expect(got.kv!.value.toString()).toBe('last');
  });
});
