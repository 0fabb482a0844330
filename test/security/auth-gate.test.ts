import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI } from '../../src/api/http/openapi.js';
import { kvstoreV1 } from '../../src/api/proto.js';
import { AuthError, connect } from '../../src/client/index.js';
import { kvstore } from '../helpers/cli.js';
import { frame, rawExchange } from '../helpers/raw-grpc.js';
import { rejectionOf } from '../helpers/rejection.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 1: with security.apiKeysFile set, every gRPC method the server registers (kvstore.v1, the
 * etcd API, reflection; listed by the server itself at start) and every documented /v1 route is refused
 * without a credential; only grpc.health.v1 stays open, like /healthz.
 */
let server: ServerProcess;
let key: string;
let methods: string[];

beforeAll(async () => {
  const dir = await suiteDir();
  const created = await kvstore(['auth', 'key', 'create', 'ci', '--json']);
  expect(created.code, created.stderr).toBe(0);
  const out = JSON.parse(created.stdout) as { key: string; line: string; hash: string };
  key = out.key;
  expect(out.line).toContain(out.hash);
  expect(out.line).not.toContain(key);
  const keysFile = join(dir, 'keys.yaml');
  await writeFile(keysFile, `${out.line}\n`);
  server = await startServerProcess(join(dir, 'data'), [
    '--security-api-keys-file',
    keysFile,
    '--log-level',
    'debug',
    '--etcd-listen',
    '127.0.0.1:0',
  ]);
  const listed = server.logs.find((l) => l.msg === 'grpc methods');
  methods = (listed?.methods ?? []) as string[];
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

/** One raw HTTP/2 gRPC call with an empty request: the grpc-status and message of its answer. */
async function rawCall(
  path: string,
  headers: Record<string, string> = {},
  addr = server.addr,
): Promise<{ code: number; message: string }> {
  const { code, message } = await rawExchange(addr, path, frame(Buffer.alloc(0)), headers);
  if (Number.isNaN(code)) throw new Error(`${path}: no grpc-status`);
  return { code, message };
}

describe('one gate for every gRPC method', () => {
  it('the server lists every service it registered', () => {
    const services = new Set(methods.map((m) => m.split('/')[1]));
    for (const s of [
      'kvstore.v1.KV',
      'kvstore.v1.Admin',
      'etcdserverpb.KV',
      'etcdserverpb.Watch',
      'etcdserverpb.Lease',
      'etcdserverpb.Maintenance',
      'etcdserverpb.Auth', // etcd auth
      'grpc.health.v1.Health',
      'grpc.reflection.v1alpha.ServerReflection',
    ]) {
      expect(services, s).toContain(s);
    }
    expect(methods).toContain('/kvstore.v1.KV/Watch');
    expect(methods).toContain('/kvstore.v1.Admin/Backup');
  });

  it('refuses every method but grpc.health.v1 without credentials, with a wrong key and a malformed header', async () => {
    // etcd auth: etcd's Authenticate is open too (it checks the key it is given), see test/etcd/etcd-auth.test.ts.
    const gated = methods.filter(
      (m) => !m.startsWith('/grpc.health.v1.Health/') && m !== '/etcdserverpb.Auth/Authenticate',
    );
    expect(gated.length).toBeGreaterThan(20);
    for (const path of gated) {
      // etcd auth: the etcd API refuses with etcd's own codes and messages, which its clients recognise.
      const etcd = path.startsWith('/etcdserverpb.');
      const none = await rawCall(path);
      expect(none, path).toEqual(
        etcd
          ? { code: status.INVALID_ARGUMENT, message: 'etcdserver: user name is empty' }
          : { code: status.UNAUTHENTICATED, message: expect.stringMatching(/^no credentials/) },
      );
      const wrong = await rawCall(path, { authorization: `Bearer ${key.slice(0, -1)}x` });
      expect(wrong, path).toEqual({
        code: status.UNAUTHENTICATED,
        message: etcd ? 'etcdserver: invalid auth token' : 'the API key was refused (unknown or revoked)',
      });
      const malformed = await rawCall(path, { authorization: key });
      expect(malformed.code, path).toBe(status.UNAUTHENTICATED);
    }
    // etcd.listen, the etcd API's own port, has the same gate.
    const serving = server.logs.find((l) => l.msg === 'kvstore is serving');
    const etcdAddr = String(serving?.etcd);
    expect(etcdAddr).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const path of gated.filter((m) => m.startsWith('/etcdserverpb.'))) {
      // etcd auth: etcd's code for no credentials
      expect((await rawCall(path, {}, etcdAddr)).code, `etcd.listen ${path}`).toBe(status.INVALID_ARGUMENT);
    }
    const withKey = { authorization: `Bearer ${key}` };
    expect((await rawCall('/etcdserverpb.Maintenance/Status', withKey, etcdAddr)).code).toBe(status.OK);
    // Health stays open (probes carry no secret).
    expect((await rawCall('/grpc.health.v1.Health/Check')).code).toBe(status.OK);
  }, 60_000);

  it('serves a caller with the key: grpc-js metadata, the TypeScript client, a watch stream', async () => {
    const kv = new kvstoreV1.KV(server.addr, credentials.createInsecure());
    try {
      const md = new Metadata();
      md.set('authorization', `Bearer ${key}`);
      await new Promise<void>((resolve, reject) =>
        kv.Set({ key: 'a', value: Buffer.from('1') }, md, (err) => (err ? reject(err) : resolve())),
      );
      const refused = await new Promise<{ code?: number }>((resolve) =>
        kv.Get({ key: 'a' }, (err) => resolve(err ?? {})),
      );
      expect(refused.code).toBe(status.UNAUTHENTICATED);
    } finally {
      kv.close();
    }
    const client = connect({ endpoints: [server.addr], apiKey: key });
    const anonymous = connect({ endpoints: [server.addr] });
    try {
      expect((await client.get('a'))?.value.toString()).toBe('1');
      const err = await rejectionOf(anonymous.get('a'));
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).code).toBe(status.UNAUTHENTICATED);
      // A stream passes the same gate: a watch from revision 1 replays the write.
      await client.set('w/1', 'x');
      const watch = client.watch({ prefix: 'w/' }, { startRevision: 1 });
      for await (const ev of watch) {
        expect(ev.key).toBe('w/1');
        break;
      }
      watch.close();
    } finally {
      client.close();
      anonymous.close();
    }
  }, 30_000);
});

describe('one gate for every /v1 route', () => {
  const httpBase = () => `http://127.0.0.1:${server.httpPort}`;
  const documented = () =>
    Object.entries(OPENAPI.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'put', 'post', 'delete'].includes(m))
        .map((m) => ({ method: m.toUpperCase(), path: path.replace('{key}', 'some/key') })),
    );

  it('answers 401 to every documented route without a key or with a wrong one', async () => {
    const routes = documented();
    expect(routes.length).toBeGreaterThan(10);
    for (const { method, path } of routes) {
      const none = await fetch(httpBase() + path, { method });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(((await none.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
      const wrong = await fetch(httpBase() + path, { method, headers: { authorization: 'Bearer kvs_nope' } });
      expect(wrong.status, `${method} ${path}`).toBe(401);
      expect(((await wrong.json()) as { message: string }).message).toBe(
        'the API key was refused (unknown or revoked)',
      );
    }
    // An undocumented path is refused the same way (no route list for strangers); probes stay open.
    expect((await fetch(`${httpBase()}/v1/nothing-here`)).status).toBe(401);
    expect((await fetch(`${httpBase()}/healthz`)).status).toBe(200);
  }, 30_000);

  it('serves a request with the key', async () => {
    const put = await fetch(`${httpBase()}/v1/kv/h`, {
      method: 'PUT',
      body: 'v',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(put.status).toBe(200);
    const get = await fetch(`${httpBase()}/v1/kv/h?raw=true`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await get.text()).toBe('v');
  });
});

describe('the CLI', () => {
  it('sends --api-key or KVSTORE_API_KEY, and says what was refused', async () => {
    const set = await kvstore(['set', 'c', 'yes', '--addr', server.addr, '--api-key', key]);
    expect(set.code, set.stderr).toBe(0);
    const get = await kvstore(['get', 'c', '--addr', server.addr], { env: { KVSTORE_API_KEY: key } });
    expect(get.stdout.trim()).toBe('yes');
    const none = await kvstore(['get', 'c', '--addr', server.addr], { env: { KVSTORE_API_KEY: '' } });
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('no credentials');
    const wrong = await kvstore(['get', 'c', '--addr', server.addr, '--api-key', 'kvs_wrong']);
    expect(wrong.stderr).toContain('the API key was refused');
    expect(wrong.stderr).not.toContain('kvs_wrong');
  });
});
