import {
  type ClientDuplexStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdPackageDefinition } from '../../src/api/etcd/proto.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/*
 * What etcdctl cannot express, through a grpc-js client on proto/etcd: UTF-8 key checks, count_only,
 * revision filters, "\0" range ends, Txn LEASE compares and prev_kv, what is refused as UNIMPLEMENTED,
 * ignore_value, and one Watch stream carrying several watches (client-chosen id, filters, cancel,
 * progress request, compacted start).
 */

type Unary = (request: object, callback: (err: ServiceError | null, response: never) => void) => void;
type Client = Record<string, Unary> & { close(): void; Watch(): ClientDuplexStream<object, WatchResponse> };

interface Header {
  cluster_id: number;
  member_id: number;
  revision: number;
  raft_term: number;
}
interface Kv {
  key: Buffer;
  value: Buffer;
  create_revision: number;
  mod_revision: number;
  version: number;
}
interface WatchResponse {
  header: Header;
  watch_id: number;
  created: boolean;
  canceled: boolean;
  compact_revision: number;
  cancel_reason: string;
  events: { type: string; kv: Kv; prev_kv: Kv | null }[];
}

const pkg = (loadPackageDefinition(etcdPackageDefinition) as unknown as { etcdserverpb: GrpcObject })
  .etcdserverpb as unknown as Record<string, ServiceClientConstructor>;

let server: ServerProcess;
let kv: Client;
let watch: Client;
let maintenance: Client;

beforeAll(async () => {
  server = await startServerProcess(await suiteDir(), ['--watch-progress-interval', '300ms']);
  const make = (name: string) =>
    new pkg[name]!(server.addr, credentials.createInsecure()) as unknown as Client;
  kv = make('KV');
  watch = make('Watch');
  maintenance = make('Maintenance');
}, 30_000);

afterAll(async () => {
  for (const c of [kv, watch, maintenance]) c?.close();
  await server?.stop();
});

function call<T>(client: Client, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!.call(client, request, (err, response) => (err ? reject(err) : resolve(response as T)));
  });
}

const b = (s: string) => Buffer.from(s);
const keys = (r: { kvs: Kv[] }) => r.kvs.map((x) => x.key.toString());

describe('the etcd API through a grpc-js client', () => {
  it('refuses keys that are not UTF-8 naming the byte offset, and an empty key as etcd does', async () => {
    const bad = Buffer.from([0x61, 0x62, 0xff, 0x63]);
    await expect(call(kv, 'Put', { key: bad, value: b('x') })).rejects.toMatchObject({
      code: 3,
      details: expect.stringContaining('offset 2'),
    });
    await expect(
      call(kv, 'Range', { key: b('a'), range_end: Buffer.from([0x62, 0xc0]) }),
    ).rejects.toMatchObject({
      code: 3,
      details: expect.stringContaining('range_end'),
    });
    await expect(call(kv, 'Range', { key: Buffer.alloc(0) })).rejects.toMatchObject({
      code: 3,
      details: 'etcdserver: key is not provided',
    });
  });

  it('answers Range with count_only, revision filters, "\\0" ends and full headers', async () => {
    for (const k of ['r/a', 'r/b', 'r/c', 's']) await call(kv, 'Put', { key: b(k), value: b(k) });
    const second = await call<{ header: Header }>(kv, 'Put', { key: b('r/b'), value: b('again') });
    const counted = await call<{ header: Header; kvs: Kv[]; count: number; more: boolean }>(kv, 'Range', {
      key: b('r/'),
      range_end: b('r0'),
      count_only: true,
    });
    expect(counted).toMatchObject({ kvs: [], count: 3, more: false });
    expect(counted.header.cluster_id).toBeGreaterThan(0);
    expect(counted.header.member_id).toBeGreaterThan(0);
    expect(counted.header.raft_term).toBe(1);
    const modded = await call<{ kvs: Kv[]; count: number }>(kv, 'Range', {
      key: b('r/'),
      range_end: b('r0'),
      min_mod_revision: second.header.revision,
    });
    // etcd counts the range before the filters.
    expect({ keys: keys(modded), count: modded.count }).toEqual({ keys: ['r/b'], count: 3 });
    const fromB = await call<{ kvs: Kv[] }>(kv, 'Range', { key: b('r/b'), range_end: Buffer.from([0]) });
    expect(keys(fromB)).toEqual(['r/b', 'r/c', 's']);
    const all = await call<{ kvs: Kv[] }>(kv, 'Range', {
      key: Buffer.from([0]),
      range_end: Buffer.from([0]),
    });
    expect(keys(all)).toEqual(['r/a', 'r/b', 'r/c', 's']);
    const created = await call<{ kvs: Kv[] }>(kv, 'Range', {
      key: b('r/'),
      range_end: b('r0'),
      max_create_revision: second.header.revision - 3,
    });
    expect(keys(created)).toEqual(['r/a', 'r/b']);
  });

  it('runs Txn with a LEASE compare and prev_kv as one revision; refuses what it does not support', async () => {
    const before = await call<{ header: Header }>(kv, 'Range', { key: b('r/a') });
    const txn = await call<{ header: Header; succeeded: boolean; responses: Record<string, unknown>[] }>(
      kv,
      'Txn',
      {
        compare: [{ key: b('r/a'), target: 'LEASE', result: 'EQUAL', lease: 0 }],
        success: [
          { request_put: { key: b('r/a'), value: b('new'), prev_kv: true } },
          { request_range: { key: b('r/'), range_end: b('r0'), limit: 1 } },
          { request_delete_range: { key: b('r/c'), prev_kv: true } },
        ],
      },
    );
    expect(txn.succeeded).toBe(true);
    expect(txn.header.revision).toBe(before.header.revision + 1);
    const [put, range, del] = txn.responses as [
      { response_put: { prev_kv: Kv } },
      { response_range: { kvs: Kv[]; more: boolean; count: number } },
      { response_delete_range: { deleted: number; prev_kvs: Kv[] } },
    ];
    expect(put.response_put.prev_kv.value.toString()).toBe('r/a');
    expect(keys(range.response_range)).toEqual(['r/a']);
    expect(range.response_range).toMatchObject({ more: true, count: 3 });
    expect(del.response_delete_range.deleted).toBe(1);
    expect(del.response_delete_range.prev_kvs[0]!.value.toString()).toBe('r/c');
    const failed = await call<{ succeeded: boolean }>(kv, 'Txn', {
      compare: [{ key: b('r/a'), target: 'LEASE', result: 'GREATER', lease: 0 }],
      success: [{ request_put: { key: b('never'), value: b('x') } }],
    });
    expect(failed.succeeded).toBe(false);
    // Nested Txn, Compare.range_end and ranges at a past revision: test/etcd/etcd-txn.test.ts.
    const pastRead = await call<{ responses: [{ response_range: { kvs: Kv[] } }] }>(kv, 'Txn', {
      success: [{ request_range: { key: b('r/a'), revision: Number(before.header.revision) } }],
    });
    expect(pastRead.responses[0].response_range.kvs[0]!.value.toString()).toBe('r/a');
  });

  it('keeps the value with ignore_value, and refuses it on a missing key as etcd does', async () => {
    await call(kv, 'Put', { key: b('iv'), value: b('kept') });
    const put = await call<{ prev_kv: Kv }>(kv, 'Put', { key: b('iv'), ignore_value: true, prev_kv: true });
    expect(put.prev_kv.value.toString()).toBe('kept');
    const got = await call<{ kvs: Kv[] }>(kv, 'Range', { key: b('iv') });
    expect(got.kvs[0]).toMatchObject({ version: 2 });
    expect(got.kvs[0]!.value.toString()).toBe('kept');
    await expect(call(kv, 'Put', { key: b('iv-missing'), ignore_value: true })).rejects.toMatchObject({
      code: 3,
      details: 'etcdserver: key not found',
    });
  });

  it('carries several watches on one stream: ids, filters, cancel, progress and a compacted start', async () => {
    const stream = watch.Watch();
    const got: WatchResponse[] = [];
    const waiters: (() => void)[] = [];
    stream.on('data', (r: WatchResponse) => {
      got.push(r);
      for (const w of waiters.splice(0)) w();
    });
    stream.on('error', () => {});
    const next = async (match: (r: WatchResponse) => boolean): Promise<WatchResponse> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const i = got.findIndex(match);
        if (i >= 0) return got.splice(i, 1)[0]!;
        if (Date.now() > deadline) throw new Error(`no such response among ${JSON.stringify(got)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    };
    try {
      stream.write({ create_request: { key: b('wt/'), range_end: b('wt0'), watch_id: 7, prev_kv: true } });
      expect(await next((r) => r.created && r.watch_id === 7)).toMatchObject({ canceled: false });
      stream.write({ create_request: { key: b('wt/'), range_end: b('wt0'), filters: ['NOPUT'] } });
      const auto = await next((r) => r.created && r.watch_id !== 7);
      await call(kv, 'Put', { key: b('wt/1'), value: b('a') });
      await call(kv, 'DeleteRange', { key: b('wt/1') });
      const put = await next((r) => r.watch_id === 7 && r.events.length > 0 && r.events[0]!.type === 'PUT');
      expect(put.events[0]!.kv.value.toString()).toBe('a');
      const del = await next((r) => r.watch_id === 7 && r.events.some((e) => e.type === 'DELETE'));
      expect(del.events[0]!.prev_kv!.value.toString()).toBe('a');
      // The NOPUT watch sees only the delete.
      const onlyDelete = await next((r) => r.watch_id === auto.watch_id && r.events.length > 0);
      expect(onlyDelete.events.map((e) => e.type)).toEqual(['DELETE']);
      stream.write({ progress_request: {} });
      const progress = await next((r) => r.watch_id === -1);
      expect(progress.header.revision).toBe(del.header.revision);
      stream.write({ cancel_request: { watch_id: 7 } });
      expect(await next((r) => r.watch_id === 7 && r.canceled)).toBeTruthy();
      // A compacted start: created, then canceled with the compact revision.
      await call(kv, 'Put', { key: b('wt/2'), value: b('b') });
      const head = await call<{ header: Header }>(kv, 'Put', { key: b('wt/2'), value: b('c') });
      await call(kv, 'Compact', { revision: head.header.revision });
      stream.write({ create_request: { key: b('wt/2'), start_revision: 1, watch_id: 9 } });
      const cancelled = await next((r) => r.watch_id === 9 && r.canceled);
      expect(cancelled).toMatchObject({
        compact_revision: head.header.revision,
        cancel_reason: 'etcdserver: mvcc: required revision has been compacted',
      });
    } finally {
      stream.end();
    }
  });

  it('serves a paginated list pinned to one revision while writes go on, then a watch from it sees every change', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `k8s/pods/p${String(i).padStart(3, '0')}`);
    for (const name of names) await call(kv, 'Put', { key: b(name), value: b(`${name}@1`) });
    // Kubernetes' list: limit + continue (the last key + "\0"), every page at the first page's revision.
    const first = await call<{ header: Header; kvs: Kv[]; more: boolean }>(kv, 'Range', {
      key: b('k8s/pods/'),
      range_end: b('k8s/pods0'),
      limit: 25,
    });
    const pinned = first.header.revision;
    const listed = [...first.kvs];
    let more = first.more;
    let writes = 0;
    while (more) {
      // Writes between pages: updates, deletes and new keys inside the listed range.
      await call(kv, 'Put', { key: b(names[writes]!), value: b('changed') });
      await call(kv, 'DeleteRange', { key: b(names[59 - writes]!) });
      await call(kv, 'Put', { key: b(`k8s/pods/p${writes}-new`), value: b('new') });
      writes += 3;
      const last = listed.at(-1)!.key;
      const page = await call<{ header: Header; kvs: Kv[]; more: boolean }>(kv, 'Range', {
        key: Buffer.concat([last, Buffer.from([0])]),
        range_end: b('k8s/pods0'),
        limit: 25,
        revision: pinned,
      });
      expect(page.header.revision).toBeGreaterThan(pinned);
      listed.push(...page.kvs);
      more = page.more;
    }
    expect(writes).toBeGreaterThan(0);
    expect(listed.map((x) => [x.key.toString(), x.value.toString()])).toEqual(
      names.map((n) => [n, `${n}@1`]),
    );
    // A watch from the list's revision + 1 sees every later change, in order.
    const stream = watch.Watch();
    const events: string[] = [];
    const done = new Promise<void>((resolve) => {
      stream.on('data', (r: WatchResponse) => {
        for (const e of r.events) events.push(`${e.type} ${e.kv.key.toString()} ${e.kv.mod_revision}`);
        if (events.length >= writes) resolve();
      });
    });
    stream.on('error', () => {});
    stream.write({
      create_request: { key: b('k8s/pods/'), range_end: b('k8s/pods0'), start_revision: pinned + 1 },
    });
    await done;
    stream.end();
    expect(events).toHaveLength(writes);
    expect(events.map((e) => Number(e.split(' ')[2]))).toEqual(
      Array.from({ length: writes }, (_, i) => pinned + 1 + i),
    );
  });

  it('sends progress notes only to the watches that asked for progress_notify', async () => {
    const stream = watch.Watch();
    const got: WatchResponse[] = [];
    let notes = 0;
    const twoNotes = new Promise<void>((resolve) => {
      stream.on('data', (r: WatchResponse) => {
        got.push(r);
        if (r.watch_id === 21 && !r.created && r.events.length === 0 && ++notes >= 2) resolve();
      });
    });
    stream.on('error', () => {});
    try {
      stream.write({
        create_request: { key: b('pn/'), range_end: b('pn0'), watch_id: 21, progress_notify: true },
      });
      stream.write({ create_request: { key: b('pn/'), range_end: b('pn0'), watch_id: 22 } });
      await twoNotes;
      const head = await call<{ header: Header }>(kv, 'Range', { key: b('pn/x') });
      const note = got.find((r) => r.watch_id === 21 && !r.created)!;
      expect(note.header.revision).toBe(head.header.revision);
      expect(got.filter((r) => r.watch_id === 22).map((r) => r.created)).toEqual([true]);
    } finally {
      stream.end();
    }
  });

  it('counts etcd watch streams in /metrics as api="etcd"', async () => {
    const stream = watch.Watch();
    stream.on('error', () => {});
    const created = new Promise<void>((resolve) => stream.on('data', () => resolve()));
    stream.write({ create_request: { key: b('m/'), range_end: b('m0') } });
    await created;
    try {
      const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
      expect(metrics).toMatch(/kvstore_watch_streams\{api="etcd",mode="live"\} 1\b/);
    } finally {
      stream.end();
    }
  });

  it('answers Status with the compatible version and this member as leader', async () => {
    const status = await call<{ header: Header; version: string; leader: number }>(maintenance, 'Status', {});
    expect(status.version).toBe('3.5.13');
    expect(status.leader).toBe(status.header.member_id);
  });
});

describe('shutdown with open etcd watches', () => {
  it('ends them with UNAVAILABLE and exits cleanly without waiting for the drain timeout', async () => {
    const own = await startServerProcess(await suiteDir(), ['--shutdown-timeout', '20s']);
    const client = new pkg.Watch!(own.addr, credentials.createInsecure()) as unknown as Client;
    try {
      const stream = client.Watch();
      const created = new Promise<void>((resolve) => stream.on('data', () => resolve()));
      const ended = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
      stream.write({ create_request: { key: b('s/'), range_end: b('s0') } });
      await created;
      const started = Date.now();
      const code = await own.stop('SIGTERM');
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((await ended).code).toBe(14);
    } finally {
      client.close();
      await own.stop('SIGKILL');
    }
  });
});
