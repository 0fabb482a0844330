import { join } from 'node:path';
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
import { type EtcdProcess, startEtcd } from './etcd-process.js';

/*
 * KeyValue.lease wherever etcd answers a key-value: a delete's prev_kv (DeleteRange, Watch, a revoke's
 * deletes), a Txn's range and put prev_kv, a Range at a past revision after the key was overwritten or
 * deleted, and a Txn's put with ignore_lease / ignore_value. Each scenario runs on kvstore and on a real
 * etcd 3.4 started here; both must answer the same leases (and values), and the lease granted.
 * Revisions are not compared: a lease grant takes a revision on kvstore (docs/etcd.md), not on etcd.
 */

type Unary = (request: object, callback: (err: ServiceError | null, response: unknown) => void) => void;
type Client = Record<string, Unary> & { close(): void };
type WatchClient = { close(): void; Watch(): ClientDuplexStream<object, WatchResponse> };

interface Kv {
  key: Buffer;
  value: Buffer;
  version: string | number;
  lease: string | number;
  mod_revision: string | number;
}
interface WatchResponse {
  created: boolean;
  events: { type: string; kv: Kv; prev_kv: Kv | null }[];
}

const pkg = (loadPackageDefinition(etcdPackageDefinition) as unknown as { etcdserverpb: GrpcObject })
  .etcdserverpb as unknown as Record<string, ServiceClientConstructor>;

interface Side {
  readonly name: string;
  readonly kv: Client;
  readonly lease: Client;
  readonly watch: WatchClient;
}

let kvstore: ServerProcess;
let etcd: EtcdProcess;
let sides: Side[] = [];

function call<T>(client: Client, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!.call(client, request, (err, response) => (err ? reject(err) : resolve(response as T)));
  });
}

beforeAll(async () => {
  const dir = await suiteDir();
  [kvstore, etcd] = await Promise.all([startServerProcess(join(dir, 'kv')), startEtcd(join(dir, 'etcd'))]);
  const side = (name: string, addr: string): Side => {
    const make = (service: string) => new pkg[service]!(addr, credentials.createInsecure()) as unknown;
    return {
      name,
      kv: make('KV') as Client,
      lease: make('Lease') as Client,
      watch: make('Watch') as WatchClient,
    };
  };
  sides = [side('kvstore', kvstore.addr), side('etcd', etcd.endpoint)];
}, 60_000);

afterAll(async () => {
  for (const s of sides) {
    s.kv.close();
    s.lease.close();
    s.watch.close();
  }
  await kvstore?.stop();
  await etcd?.stop();
});

const b = (s: string) => Buffer.from(s);
/** What is compared of a key-value: key, value, version and lease (revisions differ, see above). */
const shown = (kv: Kv | null | undefined) =>
  kv
    ? {
        key: kv.key.toString(),
        value: kv.value.toString(),
        version: Number(kv.version),
        lease: Number(kv.lease),
      }
    : null;

/** Runs `scenario` on kvstore and on etcd; both must give the same result, which is returned. */
async function onBoth<T>(scenario: (side: Side) => Promise<T>): Promise<T> {
  const [ours, theirs] = await Promise.all(sides.map((s) => scenario(s)));
  expect(ours).toEqual(theirs);
  return ours!;
}

async function grant(side: Side, id: number): Promise<void> {
  await call(side.lease, 'LeaseGrant', { ID: id, TTL: 600 });
}

async function put(side: Side, key: string, value: string, lease = 0): Promise<number> {
  const r = await call<{ header: { revision: string | number } }>(side.kv, 'Put', {
    key: b(key),
    value: b(value),
    lease,
  });
  return Number(r.header.revision);
}

/** A Watch stream's events, waited for by condition. */
function watchEvents(side: Side, create: object) {
  const stream = side.watch.Watch();
  const events: WatchResponse['events'] = [];
  let created = false;
  const waiters: (() => void)[] = [];
  stream.on('data', (r: WatchResponse) => {
    if (r.created) created = true;
    events.push(...r.events);
    for (const w of waiters.splice(0)) w();
  });
  stream.on('error', () => {});
  stream.write({ create_request: create });
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${side.name}: no ${what} among ${JSON.stringify(events)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return {
    created: () => until(() => created, 'created'),
    take: async (n: number) => {
      await until(() => events.length >= n, `${n} events`);
      return events.splice(0, n);
    },
    end: () => stream.end(),
  };
}

describe('KeyValue.lease of a deleted key, as etcd 3.4', () => {
  it('answers the lease in DeleteRange prev_kv, one key and a range', async () => {
    const got = await onBoth(async (side) => {
      await grant(side, 7101);
      await put(side, 'd/a', '1', 7101);
      await put(side, 'd/b', '2', 7101);
      await put(side, 'd/c', '3');
      const one = await call<{ prev_kvs: Kv[] }>(side.kv, 'DeleteRange', { key: b('d/a'), prev_kv: true });
      const range = await call<{ prev_kvs: Kv[] }>(side.kv, 'DeleteRange', {
        key: b('d/'),
        range_end: b('d0'),
        prev_kv: true,
      });
      return { one: one.prev_kvs.map(shown), range: range.prev_kvs.map(shown) };
    });
    expect(got.one).toEqual([{ key: 'd/a', value: '1', version: 1, lease: 7101 }]);
    expect(got.range.map((kv) => kv?.lease)).toEqual([7101, 0]);
  });

  it('answers the lease in a Watch DELETE prev_kv: live, caught up from the log, and a revoke', async () => {
    const got = await onBoth(async (side) => {
      await grant(side, 7102);
      await grant(side, 7103);
      await put(side, 'w/a', '1', 7102);
      await put(side, 'w/b', '2', 7103);
      const live = watchEvents(side, { key: b('w/'), range_end: b('w0'), prev_kv: true });
      await live.created();
      const del = await call<{ header: { revision: string | number } }>(side.kv, 'DeleteRange', {
        key: b('w/a'),
      });
      await call(side.lease, 'LeaseRevoke', { ID: 7103 });
      const seen = await live.take(2);
      live.end();
      const replay = watchEvents(side, {
        key: b('w/'),
        range_end: b('w0'),
        prev_kv: true,
        start_revision: Number(del.header.revision),
      });
      const replayed = await replay.take(2);
      replay.end();
      const view = (e: WatchResponse['events'][number]) => ({ type: e.type, prev: shown(e.prev_kv) });
      return { live: seen.map(view), replayed: replayed.map(view) };
    });
    const expected = [
      { type: 'DELETE', prev: { key: 'w/a', value: '1', version: 1, lease: 7102 } },
      { type: 'DELETE', prev: { key: 'w/b', value: '2', version: 1, lease: 7103 } },
    ];
    expect(got.live).toEqual(expected);
    expect(got.replayed).toEqual(expected);
  });

  it('answers the lease in a Watch PUT prev_kv of an overwrite', async () => {
    const got = await onBoth(async (side) => {
      await grant(side, 7104);
      await put(side, 'wp/a', '1', 7104);
      const live = watchEvents(side, { key: b('wp/a'), prev_kv: true });
      await live.created();
      await put(side, 'wp/a', '2');
      const [event] = await live.take(1);
      live.end();
      return { kv: shown(event!.kv), prev: shown(event!.prev_kv) };
    });
    expect(got).toEqual({
      kv: { key: 'wp/a', value: '2', version: 2, lease: 0 },
      prev: { key: 'wp/a', value: '1', version: 1, lease: 7104 },
    });
  });
});

type TxnOut = {
  succeeded: boolean;
  responses: {
    response_range?: { kvs: Kv[] };
    response_put?: { prev_kv: Kv | null };
    response_delete_range?: { prev_kvs: Kv[] };
  }[];
};

describe('KeyValue.lease inside a Txn, as etcd 3.4', () => {
  it('answers the lease in range results, put prev_kv and delete prev_kvs', async () => {
    const got = await onBoth(async (side) => {
      await grant(side, 7201);
      await put(side, 't/a', '1', 7201);
      await put(side, 't/b', '2', 7201);
      await put(side, 't/c', '3', 7201);
      const out = await call<TxnOut>(side.kv, 'Txn', {
        success: [
          { request_range: { key: b('t/a') } },
          { request_range: { key: b('t/'), range_end: b('t0') } },
          { request_put: { key: b('t/b'), value: b('22'), prev_kv: true } },
          { request_delete_range: { key: b('t/c'), prev_kv: true } },
        ],
      });
      const [one, range, putOut, delOut] = out.responses;
      return {
        one: one!.response_range!.kvs.map(shown),
        range: range!.response_range!.kvs.map((kv) => shown(kv)?.lease),
        putPrev: shown(putOut!.response_put!.prev_kv),
        deleted: delOut!.response_delete_range!.prev_kvs.map(shown),
      };
    });
    expect(got).toEqual({
      one: [{ key: 't/a', value: '1', version: 1, lease: 7201 }],
      range: [7201, 7201, 7201],
      putPrev: { key: 't/b', value: '2', version: 1, lease: 7201 },
      deleted: [{ key: 't/c', value: '3', version: 1, lease: 7201 }],
    });
  });

  it('keeps the lease with ignore_lease and the value with ignore_value; a missing key refuses the Txn', async () => {
    const got = await onBoth(async (side) => {
      await grant(side, 7202);
      await put(side, 'ti/a', '1', 7202);
      await put(side, 'ti/b', '2', 7202);
      await call<TxnOut>(side.kv, 'Txn', {
        success: [
          { request_put: { key: b('ti/a'), value: b('11'), ignore_lease: true } },
          { request_put: { key: b('ti/b'), ignore_value: true, prev_kv: true } },
        ],
      });
      const after = await call<{ kvs: Kv[] }>(side.kv, 'Range', { key: b('ti/'), range_end: b('ti0') });
      const refused = await call<TxnOut>(side.kv, 'Txn', {
        success: [
          { request_put: { key: b('ti/a'), value: b('not written') } },
          { request_put: { key: b('ti/missing'), ignore_lease: true } },
        ],
      }).then(
        () => null,
        (err: ServiceError) => ({ code: err.code, details: err.details }),
      );
      const untouched = await call<{ kvs: Kv[] }>(side.kv, 'Range', { key: b('ti/a') });
      return { after: after.kvs.map(shown), refused, untouched: untouched.kvs.map(shown) };
    });
    expect(got.after).toEqual([
      { key: 'ti/a', value: '11', version: 2, lease: 7202 },
      { key: 'ti/b', value: '2', version: 2, lease: 0 },
    ]);
    expect(got.refused).toEqual({ code: 3, details: 'etcdserver: key not found' });
    expect(got.untouched).toEqual([{ key: 'ti/a', value: '11', version: 2, lease: 7202 }]);
  });
});

describe('KeyValue.lease of a Range at a past revision, as etcd 3.4', () => {
  it('answers the lease a key had then, after it was overwritten or deleted (rebuilt and history index)', async () => {
    const got = await onBoth(async (side) => {
      await grant(side, 7301);
      const a1 = await put(side, 'p/a', '1', 7301);
      const b1 = await put(side, 'p/b', '1', 7301);
      await put(side, 'p/a', '2');
      // The first read at a past revision: a state rebuilt from the log (kvstore starts its history here).
      const rebuilt = await call<{ kvs: Kv[] }>(side.kv, 'Range', { key: b('p/a'), revision: a1 });
      const pinned = b1 + 1;
      await put(side, 'p/b', '2');
      await call(side.kv, 'DeleteRange', { key: b('p/a') });
      // Reads after that, at or after where the history began: answered from the history index.
      const single = await call<{ kvs: Kv[] }>(side.kv, 'Range', { key: b('p/b'), revision: pinned });
      const range = await call<{ kvs: Kv[] }>(side.kv, 'Range', {
        key: b('p/'),
        range_end: b('p0'),
        revision: pinned,
      });
      return {
        rebuilt: rebuilt.kvs.map(shown),
        single: single.kvs.map(shown),
        range: range.kvs.map(shown),
      };
    });
    expect(got).toEqual({
      rebuilt: [{ key: 'p/a', value: '1', version: 1, lease: 7301 }],
      single: [{ key: 'p/b', value: '1', version: 1, lease: 7301 }],
      range: [
        { key: 'p/a', value: '2', version: 2, lease: 0 },
        { key: 'p/b', value: '1', version: 1, lease: 7301 },
      ],
    });
  });
});
