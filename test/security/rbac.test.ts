import { join } from 'node:path';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdserverpb } from '../../src/api/etcd/proto.js';
import { AuthError, connect, type KvClient, op } from '../../src/client/index.js';
import { authFiles } from '../helpers/auth-files.js';
import { rejectionOf } from '../helpers/rejection.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 4: roles grant read, write or admin on key prefixes; every RPC checks every key or range it
 * touches, on kvstore.v1, the etcd API and HTTP alike (the check lives once, in the service layer).
 */
let server: ServerProcess;
const keys: Record<string, string> = {};
const clients: KvClient[] = [];

const ROLES = `
roles:
  app-reader:
    read: ["app/**"]
  app-writer:
    read: ["app/**"]
    write: ["app/**"]
  config-reader:
    read: ["svc/*/config"]
`;

beforeAll(async () => {
  const dir = await suiteDir();
  const files = await authFiles(
    dir,
    [
      ['root', ['admin']],
      ['reader', ['app-reader']],
      ['writer', ['app-writer']],
      ['viewer', ['readonly']],
      ['configs', ['config-reader']],
    ],
    ROLES,
  );
  Object.assign(keys, files.keys);
  server = await startServerProcess(join(dir, 'data'), files.flags);
  const root = as('root');
  await root.set('app/x', 'one');
  await root.set('other/x', 'secret');
  await root.set('svc/a/config', 'cfg');
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

/** The error a call fails with (the test fails if it succeeds). */
async function refusal(call: Promise<unknown>): Promise<AuthError> {
  const err = await rejectionOf(call, 'the call should have been refused');
  expect(err).toBeInstanceOf(AuthError);
  expect((err as AuthError).code).toBe(status.PERMISSION_DENIED);
  return err as AuthError;
}

describe('a principal with read on app/', () => {
  it('reads app/x but cannot write it, read other/x, list or watch beyond app/', async () => {
    const reader = as('reader');
    expect((await reader.get('app/x'))?.value.toString()).toBe('one');
    const write = await refusal(reader.set('app/x', 'two'));
    expect(write.message).toBe('principal "reader" may not write key "app/x"');
    expect((await refusal(reader.get('other/x'))).message).toBe(
      'principal "reader" may not read key "other/x"',
    );
    expect((await refusal(reader.listAll({ prefix: '' }))).message).toMatch(
      /^principal "reader" may not read prefix ""/,
    );
    expect((await reader.listAll({ prefix: 'app/' })).map((kv) => kv.key)).toEqual(['app/x']);
    await refusal(reader.listAll({ start: 'app/', end: 'b' }));
    expect(await reader.listAll({ start: 'app/a', end: 'app/z' })).toHaveLength(1);
    await refusal(reader.getMany(['app/x', 'other/x']));
    // The value was not changed by the refused write.
    expect((await as('root').get('app/x'))?.value.toString()).toBe('one');
  });

  it('cannot watch the prefix "" (a prefix watch needs read on all of it), but can watch app/', async () => {
    const reader = as('reader');
    const all = reader.watch({ prefix: '' }, { startRevision: 1 });
    const err = await (async () => {
      for await (const _ of all) return null;
      return null;
    })().catch((e: unknown) => e);
    all.close();
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe(status.PERMISSION_DENIED);
    const mine = reader.watch({ prefix: 'app/' }, { startRevision: 1 });
    for await (const ev of mine) {
      expect(ev.key).toBe('app/x');
      break;
    }
    mine.close();
  });

  it('cannot back up, compact or hash, and Status hides the server details', async () => {
    const reader = as('reader');
    const backup = (async () => {
      for await (const _ of reader.backup()) return;
    })();
    expect((await refusal(backup)).message).toBe(
      'principal "reader" may not call Backup: it needs a role with admin',
    );
    await refusal(reader.compact(1));
    await refusal(reader.hashKV());
    const mine = await reader.status();
    const full = await as('root').status();
    expect(mine.revision).toBe(full.revision);
    expect(full.keys).toBeGreaterThan(0);
    expect(mine.keys).toBe(0);
    expect(mine.backend).toBe('');
  });
});

describe('a principal with read and write on app/', () => {
  it('writes app/ only; a transaction touching another key writes nothing', async () => {
    const writer = as('writer');
    await writer.set('app/y', 'w');
    await refusal(writer.set('other/y', 'w'));
    const txn = writer.txn().onSuccess(op.set('app/z', '1'), op.set('other/z', '1')).commit();
    expect((await refusal(txn)).message).toBe('principal "writer" may not write key "other/z"');
    expect(await as('root').get('app/z')).toBeNull();
    await refusal(writer.deleteRange({ prefix: '' }));
    expect((await writer.deleteRange({ prefix: 'app/y' })).deleted).toBe(1);
  });
});

describe('other grants', () => {
  it('readonly reads everything and writes nothing; a glob grant covers the keys it matches only', async () => {
    const viewer = as('viewer');
    expect((await viewer.listAll({ prefix: '' })).length).toBeGreaterThanOrEqual(3);
    await refusal(viewer.set('app/x', 'no'));
    const configs = as('configs');
    expect((await configs.get('svc/a/config'))?.value.toString()).toBe('cfg');
    await refusal(configs.get('svc/a/secret'));
    // A range is granted only when a prefix covers all of it, not because today's keys match the glob.
    await refusal(configs.listAll({ prefix: 'svc/' }));
  });
});

describe('the same rules on the etcd API and HTTP', () => {
  it('etcd Range and Put check the same grants', async () => {
    const kv = new etcdserverpb.KV(server.addr, credentials.createInsecure());
    const md = new Metadata();
    md.set('authorization', `Bearer ${keys.reader}`);
    const call = (method: 'Range' | 'Put', request: object) =>
      new Promise<{ code: number; details?: string }>((resolve) =>
        (
          kv[method] as (
            r: object,
            m: Metadata,
            cb: (e: { code: number; details: string } | null) => void,
          ) => void
        )(request, md, (err) =>
          resolve(err ? { code: err.code, details: err.details } : { code: status.OK }),
        ),
      );
    try {
      expect((await call('Range', { key: Buffer.from('app/x') })).code).toBe(status.OK);
      const put = await call('Put', { key: Buffer.from('app/x'), value: Buffer.from('e') });
      expect(put.code).toBe(status.PERMISSION_DENIED);
      // etcd auth: etcd's own message (its clients match it); the audit log keeps kvstore's, naming the key.
      expect(put.details).toBe('etcdserver: permission denied');
      const everything = await call('Range', { key: Buffer.from([0]), range_end: Buffer.from([0]) });
      expect(everything.code).toBe(status.PERMISSION_DENIED);
    } finally {
      kv.close();
    }
  });

  it('HTTP answers 403 with the same message', async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const headers = { authorization: `Bearer ${keys.reader}` };
    const ok = await fetch(`${base}/v1/kv/app/x`, { headers });
    expect(ok.status).toBe(200);
    const put = await fetch(`${base}/v1/kv/app/x`, { method: 'PUT', headers, body: 'h' });
    expect(put.status).toBe(403);
    const body = (await put.json()) as { code: string; message: string; details: Record<string, string> };
    expect(body.code).toBe('PERMISSION_DENIED');
    expect(body.message).toBe('principal "reader" may not write key "app/x"');
    expect(body.details).toMatchObject({ principal: 'reader', permission: 'write' });
    const watch = await fetch(`${base}/v1/watch?prefix=`, { headers });
    expect(watch.status).toBe(403);
    await watch.body?.cancel();
    expect((await fetch(`${base}/v1/backup`, { headers })).status).toBe(403);
  });
});
