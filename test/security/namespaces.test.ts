import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdserverpb } from '../../src/api/etcd/proto.js';
import {
  AuthError,
  compare,
  connect,
  type KvClient,
  op,
  ResourceExhaustedError,
} from '../../src/client/index.js';
import { authFiles } from '../helpers/auth-files.js';
import { rejectionOf } from '../helpers/rejection.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { SseClient } from '../helpers/sse-client.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 5: a principal bound to a namespace has its keys stored under the namespace prefix and
 * sees them without it, on kvstore.v1, the etcd API and HTTP alike (get, list, watch, txn, delete-range),
 * and never another tenant's; quotas per namespace refuse the write that would pass them, whole, with
 * RESOURCE_EXHAUSTED, and hold the same numbers after a restart (derived from the stored keys).
 */
let server: ServerProcess;
let dataDir: string;
let flags: string[];
const keys: Record<string, string> = {};
const clients: KvClient[] = [];

const JWT_SECRET = randomBytes(48);

/** A JWT for `sub` with `roles`, as an identity provider would issue it. */
function jwt(sub: string, roles: string[]): Promise<string> {
  return new SignJWT({ sub, iss: 'https://id.test', aud: 'kvstore', roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('10m')
    .sign(JWT_SECRET);
}

const ROLES = `
namespaces:
  acme:
    prefix: tenants/acme/
    quota: {keys: 100}
  globex:
    quota: {bytes: 2KiB}
roles:
  acme-rw: {namespace: acme, read: ["**"], write: ["**"]}
  acme-app: {namespace: acme, read: ["app/**"]}
  globex-rw: {namespace: globex, read: ["**"], write: ["**"]}
`;

beforeAll(async () => {
  const dir = await suiteDir();
  const files = await authFiles(
    dir,
    [
      ['root', ['admin']],
      ['acme', ['acme-rw']],
      ['acme-app', ['acme-app']],
      ['globex', ['globex-rw']],
    ],
    ROLES,
  );
  Object.assign(keys, files.keys);
  // JWTs too: a token may carry any roles (an API key naming two namespaces is refused at load).
  await writeFile(join(dir, 'jwt.secret'), JWT_SECRET);
  flags = [
    ...files.flags,
    '--security-jwt-secret-file',
    join(dir, 'jwt.secret'),
    '--security-jwt-issuer',
    'https://id.test',
    '--security-jwt-audience',
    'kvstore',
  ];
  dataDir = join(dir, 'data');
  server = await startServerProcess(dataDir, flags);
  await as('acme').set('a', 'acme-a');
  await as('acme').set('b/c', 'acme-bc');
  await as('globex').set('a', 'globex-a');
  await as('root').set('tenants/acme/app/x', 'app-x');
  await as('root').set('plain', 'root-only');
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

function as(name: string): KvClient {
  const client = connect({ endpoints: [server.addr], apiKey: keys[name] });
  clients.push(client);
  return client;
}

const keysOf = (kvs: readonly { key: string }[]) => kvs.map((kv) => kv.key);

describe('kvstore.v1: a namespaced principal', () => {
  it("sees its keys without the prefix and no other tenant's; the admin sees them stored", async () => {
    const acme = as('acme');
    const got = await acme.get('a');
    expect(got?.key).toBe('a');
    expect(got?.value.toString()).toBe('acme-a');
    expect((await as('globex').get('a'))?.value.toString()).toBe('globex-a');
    expect(keysOf(await acme.listAll({ prefix: '' }))).toEqual(['a', 'app/x', 'b/c']);
    // Pages of one: the continuation tokens carry the tenant's keys.
    expect(keysOf(await acme.listAll({ prefix: '' }, { pageSize: 1 }))).toEqual(['a', 'app/x', 'b/c']);
    expect(keysOf(await acme.listAll({ start: 'a', end: 'b' }))).toEqual(['a', 'app/x']);
    expect(keysOf(await acme.listAll({ start: 'b' }))).toEqual(['b/c']);
    expect(keysOf(await as('globex').listAll({ prefix: '' }))).toEqual(['a']);
    expect(await acme.get('plain')).toBeNull();
    expect(await acme.get('ns/globex/a')).toBeNull();
    const stored = keysOf(await as('root').listAll({ prefix: '' }));
    expect(stored).toEqual([
      'ns/globex/a',
      'plain',
      'tenants/acme/a',
      'tenants/acme/app/x',
      'tenants/acme/b/c',
    ]);
    const many = await acme.getMany(['a', 'b/c']);
    expect(many.kvs.map((kv) => kv?.key)).toEqual(['a', 'b/c']);
  });

  it('runs transactions and range deletes inside its namespace only', async () => {
    const acme = as('acme');
    const txn = await acme
      .txn()
      .if(compare.value('a', '=', 'acme-a'))
      .onSuccess(op.get('a'), op.range({ prefix: '' }), op.set('t/1', 'one'))
      .commit();
    expect(txn.succeeded).toBe(true);
    const [get, range, set] = txn.results;
    expect(get?.type === 'get' && get.kv?.key).toBe('a');
    expect(range?.type === 'range' && keysOf(range.kvs)).toEqual(['a', 'app/x', 'b/c']);
    expect(set?.type === 'set' && set.kv.key).toBe('t/1');
    expect(await as('root').get('tenants/acme/t/1')).not.toBeNull();
    await acme.set('gone/1', 'x');
    expect((await acme.deleteRange({ prefix: 'gone/' })).deleted).toBe(1);
    // "Everything" for a tenant is its namespace: globex's keys and the root's stay.
    await as('globex').set('z', 'stay');
    const scratch = as('acme');
    await scratch.set('zz', 'drop');
    expect((await scratch.deleteRange({ start: 'z' })).deleted).toBe(1);
    expect(await as('globex').get('z')).not.toBeNull();
    expect(await as('root').get('plain')).not.toBeNull();
    await as('globex').delete('z');
  });

  it('receives watch events without the prefix, and none of another tenant', async () => {
    const acme = as('acme');
    const watch = acme.watch({ prefix: '' }, { startRevision: 1 });
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of watch) {
        seen.push(ev.key);
        if (ev.key === 'w/last') return;
      }
    })();
    await as('globex').set('w/other', 'g');
    await acme.set('w/last', 'end');
    await done;
    watch.close();
    await as('globex').delete('w/other');
    await acme.delete('w/last');
    expect(seen).toContain('a');
    expect(seen).toContain('w/last');
    expect(seen.every((key) => !key.startsWith('tenants/') && key !== 'w/other' && key !== 'plain')).toBe(
      true,
    );
  });

  it('gets its keys back from batches, deletes and a one-key watch without the prefix', async () => {
    const acme = as('acme');
    const batch = await acme.setMany([
      { key: 'm/1', value: '1' },
      { key: 'm/2', value: '2' },
    ]);
    expect(keysOf(batch.kvs)).toEqual(['m/1', 'm/2']);
    const watch = acme.watch({ key: 'm/1' }, { startRevision: batch.revision, prevKv: true });
    const events: { key: string; prev?: string }[] = [];
    const done = (async () => {
      for await (const ev of watch) {
        events.push({ key: ev.key, prev: ev.prevKv?.key });
        if (events.length === 2) return;
      }
    })();
    await acme.set('m/1', 'again');
    await done;
    watch.close();
    expect(events).toEqual([
      { key: 'm/1', prev: undefined },
      { key: 'm/1', prev: 'm/1' },
    ]);
    const txn = await acme
      .txn()
      .onSuccess(op.deleteRange({ prefix: 'm/' }, { prevKv: true }))
      .commit();
    const [deleted] = txn.results;
    expect(deleted?.type === 'deleteRange' && keysOf(deleted.prevKvs)).toEqual(['m/1', 'm/2']);
    expect((await acme.deleteMany(['a-missing', 'b/c'])).deleted).toEqual(['b/c']);
    await acme.set('b/c', 'acme-bc');
  });

  it('is held to its roles on its own key names, and may not make admin calls', async () => {
    const app = as('acme-app');
    expect((await app.get('app/x'))?.value.toString()).toBe('app-x');
    const denied = await rejectionOf(app.get('a'));
    expect(denied).toBeInstanceOf(AuthError);
    expect(denied.message).toBe('principal "acme-app" may not read key "a"');
    const compact = await rejectionOf(as('acme').compact(1));
    expect((compact as AuthError).code).toBe(status.PERMISSION_DENIED);
    expect(compact.message).toMatch(/bound to namespace "acme"/);
  });

  it('is refused when its roles bind it to two namespaces, naming both', async () => {
    const client = connect({ endpoints: [server.addr], apiKey: await jwt('both', ['acme-rw', 'globex-rw']) });
    clients.push(client);
    const err = await rejectionOf(client.get('a'));
    expect((err as AuthError).code).toBe(status.PERMISSION_DENIED);
    expect(err.message).toMatch(
      /two namespaces, "acme" \(role "acme-rw"\) and "globex" \(role "globex-rw"\)/,
    );
  });
});

describe('the etcd API: a namespaced principal', () => {
  type Reply = { code: number; details?: string; res?: Record<string, unknown> };
  const etcdCall = (name: string, method: 'Range' | 'Put' | 'DeleteRange' | 'Txn', request: object) => {
    const kv = new etcdserverpb.KV(server.addr, credentials.createInsecure());
    const md = new Metadata();
    md.set('authorization', `Bearer ${keys[name]}`);
    return new Promise<Reply>((resolve) =>
      (
        kv[method] as (
          r: object,
          m: Metadata,
          cb: (e: { code: number; details: string } | null, res?: Record<string, unknown>) => void,
        ) => void
      )(request, md, (err, res) => {
        kv.close();
        resolve(err ? { code: err.code, details: err.details } : { code: status.OK, res });
      }),
    );
  };
  const etcdKeys = (res: Record<string, unknown> | undefined) =>
    ((res?.kvs ?? []) as { key: Buffer }[]).map((kv) => kv.key.toString());

  it('ranges, puts, transacts and deletes with its own key names', async () => {
    const all = { key: Buffer.from([0]), range_end: Buffer.from([0]) };
    const everything = await etcdCall('globex', 'Range', all);
    expect(everything.code).toBe(status.OK);
    expect(etcdKeys(everything.res)).toEqual(['a']);
    const put = await etcdCall('globex', 'Put', {
      key: Buffer.from('e/1'),
      value: Buffer.from('v'),
      prev_kv: true,
    });
    expect(put.code).toBe(status.OK);
    expect((await as('root').get('ns/globex/e/1'))?.value.toString()).toBe('v');
    const prefix = await etcdCall('globex', 'Range', {
      key: Buffer.from('e/'),
      range_end: Buffer.from('e0'),
    });
    expect(etcdKeys(prefix.res)).toEqual(['e/1']);
    const txn = await etcdCall('globex', 'Txn', {
      compare: [{ key: Buffer.from('e/1'), target: 'VERSION', result: 'EQUAL', version: 1 }],
      success: [
        { request_range: { key: Buffer.from('e/1') } },
        { request_put: { key: Buffer.from('e/2'), value: Buffer.from('w'), prev_kv: true } },
      ],
    });
    expect(txn.code).toBe(status.OK);
    expect(txn.res?.succeeded).toBe(true);
    const responses = txn.res?.responses as { response_range?: Record<string, unknown> }[];
    expect(etcdKeys(responses[0]?.response_range)).toEqual(['e/1']);
    const del = await etcdCall('globex', 'DeleteRange', {
      key: Buffer.from('e/'),
      range_end: Buffer.from('e0'),
      prev_kv: true,
    });
    expect(del.code).toBe(status.OK);
    expect(etcdKeys({ kvs: del.res?.prev_kvs })).toEqual(['e/1', 'e/2']);
    expect(etcdKeys((await etcdCall('globex', 'Range', all)).res)).toEqual(['a']);
    expect(
      etcdKeys(
        (await etcdCall('root', 'Range', { key: Buffer.from('ns/'), range_end: Buffer.from('ns0') })).res,
      ),
    ).toEqual(['ns/globex/a']);
  });

  it("names a lease's keys without the prefix, and refuses another tenant's lease", async () => {
    const lease = new etcdserverpb.Lease(server.addr, credentials.createInsecure());
    const call = (
      name: string,
      method: 'LeaseGrant' | 'LeaseTimeToLive' | 'LeaseRevoke',
      request: object,
    ) => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${keys[name]}`);
      return new Promise<Reply>((resolve) =>
        (
          lease[method] as (
            r: object,
            m: Metadata,
            cb: (e: { code: number; details: string } | null, res?: Record<string, unknown>) => void,
          ) => void
        )(request, md, (err, res) =>
          resolve(err ? { code: err.code, details: err.details } : { code: status.OK, res }),
        ),
      );
    };
    try {
      const granted = await call('globex', 'LeaseGrant', { TTL: 60 });
      const ID = granted.res?.ID;
      const put = await etcdCall('globex', 'Put', {
        key: Buffer.from('l/1'),
        value: Buffer.from('v'),
        lease: ID,
      });
      expect(put.code).toBe(status.OK);
      const ttl = await call('globex', 'LeaseTimeToLive', { ID, keys: true });
      expect(((ttl.res?.keys ?? []) as Buffer[]).map(String)).toEqual(['l/1']);
      expect((await call('acme', 'LeaseTimeToLive', { ID, keys: true })).code).toBe(status.PERMISSION_DENIED);
      expect((await call('acme', 'LeaseRevoke', { ID })).code).toBe(status.PERMISSION_DENIED);
      expect((await call('globex', 'LeaseRevoke', { ID })).code).toBe(status.OK);
      expect(await as('globex').get('l/1')).toBeNull();
    } finally {
      lease.close();
    }
  });

  it('watches its keys without the prefix', async () => {
    const watch = new etcdserverpb.Watch(server.addr, credentials.createInsecure());
    const md = new Metadata();
    md.set('authorization', `Bearer ${keys.globex}`);
    const call = (
      watch.Watch as (
        m: Metadata,
      ) => import('@grpc/grpc-js').ClientDuplexStream<object, { events?: { kv: { key: Buffer } }[] }>
    )(md);
    const seen: string[] = [];
    try {
      const done = new Promise<void>((resolve, reject) => {
        call.on('data', (res) => {
          for (const ev of res.events ?? []) seen.push(ev.kv.key.toString());
          if (seen.includes('ew/2')) resolve();
        });
        call.on('error', reject);
      });
      call.write({
        create_request: { key: Buffer.from([0]), range_end: Buffer.from([0]), start_revision: 1 },
      });
      await as('acme').set('ew/1', 'acme');
      await as('globex').set('ew/2', 'globex');
      await done;
    } finally {
      call.cancel();
      watch.close();
    }
    expect(seen).toContain('a');
    expect(seen).not.toContain('ew/1');
    await as('acme').delete('ew/1');
    await as('globex').delete('ew/2');
    expect(seen.every((key) => !key.startsWith('ns/') && !key.startsWith('tenants/'))).toBe(true);
  });
});

describe('HTTP: a namespaced principal', () => {
  it('gets, lists and watches its keys without the prefix', async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const headers = { authorization: `Bearer ${keys.acme}` };
    const one = await fetch(`${base}/v1/kv/b/c`, { headers });
    expect(one.status).toBe(200);
    const got = (await one.json()) as { kv: { key: string; value: string } };
    expect(got.kv).toMatchObject({ key: 'b/c', value: 'acme-bc' });
    const list = await fetch(`${base}/v1/kv?prefix=b/`, { headers });
    const body = (await list.json()) as { kvs: { key: string }[] };
    expect(keysOf(body.kvs)).toEqual(['b/c']);
    const sse = await SseClient.connect(`${base}/v1/watch?prefix=&start_revision=1`, headers);
    try {
      const first = await sse.next(5_000);
      expect(first.data).toContain('"key":"a"');
      expect(first.data).not.toContain('tenants/acme');
    } finally {
      sse.close();
    }
  });
});

describe('quotas', () => {
  /** Fills acme up to `keys` keys (its quota is 100), with keys q/0, q/1, ... */
  async function fillAcme(keys: number): Promise<void> {
    const acme = as('acme');
    const have = (await acme.listAll({ prefix: '' })).length;
    const items = Array.from({ length: keys - have }, (_, i) => ({ key: `q/${i}`, value: 'x' }));
    if (items.length > 0) await acme.setMany(items);
    expect((await acme.listAll({ prefix: '' }, { keysOnly: true })).length).toBe(keys);
  }

  it('a quota of 100 keys refuses the 101st, and a batch or txn crossing it writes nothing', async () => {
    await fillAcme(100);
    const acme = as('acme');
    const refused = await rejectionOf(acme.set('one-more', 'x'));
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    expect(refused.message).toMatch(
      /^namespace "acme" is at its quota of 100 keys: it holds 100 keys and this write adds 1/,
    );
    const batch = await rejectionOf(
      acme.setMany([
        { key: 'q/0', value: 'overwrite' },
        { key: 'new/1', value: 'x' },
      ]),
    );
    expect(batch).toBeInstanceOf(ResourceExhaustedError);
    const txn = await rejectionOf(
      acme.txn().onSuccess(op.set('a', 'changed'), op.set('new/2', 'x')).commit(),
    );
    expect(txn).toBeInstanceOf(ResourceExhaustedError);
    // Nothing of either was written.
    expect((await acme.get('q/0'))?.value.toString()).toBe('x');
    expect((await acme.get('a'))?.value.toString()).toBe('acme-a');
    expect(await acme.get('new/1')).toBeNull();
    // Overwriting a key adds none; a delete frees one; writes from an admin count the same.
    await acme.set('q/0', 'overwritten');
    await rejectionOf(as('root').set('tenants/acme/by-root', 'x'));
    await acme.delete('q/0');
    await acme.set('one-more', 'x');
    await rejectionOf(acme.set('q/0', 'x'));
  });

  it('answers HTTP 507 naming the namespace and the limit', async () => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/over`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${keys.acme}` },
      body: 'x',
    });
    expect(res.status).toBe(507);
    const body = (await res.json()) as { code: string; details: Record<string, string> };
    expect(body.code).toBe('RESOURCE_EXHAUSTED');
    expect(body.details).toMatchObject({ namespace: 'acme', limit: 'keys', quota: '100', used: '100' });
  });

  it('a bytes quota counts keys and values; a smaller value fits again', async () => {
    const globex = as('globex');
    // 2 KiB for the stored keys (prefix "ns/globex/" included) and values; "a" holds 11 + 8 bytes.
    await globex.set('big', 'v'.repeat(1900));
    const refused = await rejectionOf(globex.set('more', 'v'.repeat(200)));
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    expect(refused.message).toMatch(/^namespace "globex" is at its quota of 2048 bytes: it holds 1932 bytes/);
    await globex.set('big', 'v'.repeat(1000));
    await globex.set('more', 'v'.repeat(200));
  });

  it('holds after a restart with the same usage (derived from the stored keys)', async () => {
    await server.stop();
    server = await startServerProcess(dataDir, flags);
    const refused = await rejectionOf(as('acme').set('after-restart', 'x'));
    expect(refused.message).toMatch(/it holds 100 keys and this write adds 1/);
    await as('acme').delete('one-more');
    await as('acme').set('after-restart', 'x');
    const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    expect(metrics).toContain('kvstore_namespace_keys{namespace="acme"} 100');
    expect(metrics).toContain('kvstore_namespace_quota_keys{namespace="acme"} 100');
    expect(metrics).toMatch(/kvstore_namespace_bytes\{namespace="globex"\} \d+/);
  }, 30_000);
});
