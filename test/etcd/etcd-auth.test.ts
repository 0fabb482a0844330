import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3, EtcdAuthenticationFailedError, EtcdPermissionDeniedError } from 'etcd3';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyLine, createApiKey } from '../../src/security/api-keys.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';
import { type CtlResult, etcdctl } from './etcd-process.js';

/*
 * etcd's Auth service over kvstore's API keys and roles, driven by Debian's etcdctl 3.4: `--user name:key`
 * authenticates (the user is the key's name, the password the key), refusals carry etcd's messages (the
 * ones a real etcd 3.4.23 prints, noted beside each), users and roles are read from the keys and roles
 * files and cannot be changed through the etcd API.
 */

let server: ServerProcess;
let endpoint: string;
const keys = {
  ops: createApiKey('ops', ['admin']),
  reader: createApiKey('reader', ['readonly']),
  app: createApiKey('app', ['app-rw']),
};
const user = (name: keyof typeof keys) => `--user=${name}:${keys[name].key}`;
const jwtSecret = randomBytes(48);
/** JWTs sent so far (none may reach the log). */
const issued: string[] = [];
const jwt = (sub: string, roles: string[]) =>
  new SignJWT({
    sub,
    iss: 'https://id.test',
    aud: 'kvstore',
    exp: Math.floor(Date.now() / 1000) + 600,
    roles,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(jwtSecret);

beforeAll(async () => {
  const dir = await suiteDir();
  const keysFile = join(dir, 'keys.yaml');
  await writeFile(
    keysFile,
    `${Object.values(keys)
      .map((k) => apiKeyLine(k.entry))
      .join('\n')}\n`,
  );
  await writeFile(join(dir, 'jwt.secret'), jwtSecret);
  const rolesFile = join(dir, 'roles.yaml');
  await writeFile(rolesFile, 'roles:\n  app-rw:\n    read: ["app/**", "cfg"]\n    write: ["app/**"]\n');
  server = await startServerProcess(join(dir, 'data'), [
    '--security-api-keys-file',
    keysFile,
    '--security-roles-file',
    rolesFile,
    '--security-jwt-secret-file',
    join(dir, 'jwt.secret'),
    '--security-jwt-issuer',
    'https://id.test',
    '--security-jwt-audience',
    'kvstore',
    '--etcd-listen',
    '127.0.0.1:0',
    '--log-level',
    'debug',
  ]);
  endpoint = String(server.logs.find((l) => l.msg === 'kvstore is serving')!.etcd);
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

const errorLine = (r: CtlResult) => r.stderr.split('\n').find((l) => l.startsWith('Error:')) ?? '';
const ok = (r: CtlResult) => {
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

describe('etcdctl --user against kvstore with API keys', () => {
  it('puts and gets with an API key as the password, on etcd.listen and on the gRPC port', async () => {
    expect(ok(await etcdctl(endpoint, [user('ops'), 'put', 'a', '1']))).toBe('OK\n');
    expect(ok(await etcdctl(endpoint, [user('reader'), 'get', 'a']))).toBe('a\n1\n');
    expect(ok(await etcdctl(server.addr, [user('app'), 'put', 'app/x', 'y']))).toBe('OK\n');
    expect(ok(await etcdctl(server.addr, [user('app'), 'get', 'app/', '--prefix']))).toBe('app/x\ny\n');
  });

  it('refuses as etcd does: a readonly put, no credentials, a wrong key, a key of another user', async () => {
    // etcd 3.4.23: "Error: etcdserver: permission denied".
    const put = await etcdctl(endpoint, [user('reader'), 'put', 'a', '2']);
    expect([put.code, errorLine(put)]).toEqual([1, 'Error: etcdserver: permission denied']);
    const outside = await etcdctl(endpoint, [user('app'), 'put', 'other', '2']);
    expect(errorLine(outside)).toBe('Error: etcdserver: permission denied');
    // etcd 3.4.23: "Error: etcdserver: user name is empty".
    const none = await etcdctl(endpoint, ['get', 'a']);
    expect([none.code, errorLine(none)]).toEqual([1, 'Error: etcdserver: user name is empty']);
    // etcd 3.4.23: "Error: etcdserver: authentication failed, invalid user ID or password".
    const failed = 'Error: etcdserver: authentication failed, invalid user ID or password';
    expect(errorLine(await etcdctl(endpoint, [`--user=reader:${keys.reader.key}x`, 'get', 'a']))).toBe(
      failed,
    );
    expect(errorLine(await etcdctl(endpoint, [`--user=ops:${keys.reader.key}`, 'get', 'a']))).toBe(failed);
    expect(errorLine(await etcdctl(endpoint, ['--user=nobody:x', 'get', 'a']))).toBe(failed);
    // Refused Authenticate calls count as the gate's refusals (two unknown keys above, etcdctl may retry).
    const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    const refused = /^kvstore_auth_refusals_total\{transport="grpc",reason="unknown_key"\} (\d+)/m.exec(
      metrics,
    );
    expect(Number(refused?.[1])).toBeGreaterThanOrEqual(2);
    expect(ok(await etcdctl(endpoint, [user('ops'), 'get', 'a']))).toBe('a\n1\n');
    // etcd 3.4.23 prints the same for a watch its roles do not grant, and ends.
    const watch = await etcdctl(endpoint, [user('app'), 'watch', 'other']);
    expect(watch.stderr).toContain(
      'watch was canceled (rpc error: code = PermissionDenied desc = etcdserver: permission denied)\n',
    );
    expect(errorLine(watch)).toBe('Error: watch is canceled by the server');
  });

  it('lists users and roles from the keys and roles files, read-only', async () => {
    expect(ok(await etcdctl(endpoint, [user('ops'), 'user', 'list']))).toBe('app\nops\nreader\n');
    expect(ok(await etcdctl(endpoint, [user('ops'), 'role', 'list']))).toBe(
      'admin\napp-rw\nreadonly\nreadwrite\n',
    );
    expect(ok(await etcdctl(endpoint, [user('ops'), 'user', 'get', 'reader']))).toBe(
      'User: reader\nRoles: readonly\n',
    );
    expect(ok(await etcdctl(endpoint, [user('ops'), 'role', 'get', 'app-rw']))).toBe(
      'Role app-rw\nKV Read:\n\t[app/, app0) (prefix app/)\n\tcfg\nKV Write:\n\t[app/, app0) (prefix app/)\n',
    );
    expect(ok(await etcdctl(endpoint, [user('ops'), 'role', 'get', 'readonly']))).toBe(
      'Role readonly\nKV Read:\n\t[\0, <open ended>\nKV Write:\n',
    );
    // A user may read its own user and roles, not the others' (as etcd 3.4).
    expect(ok(await etcdctl(endpoint, [user('app'), 'user', 'get', 'app']))).toBe(
      'User: app\nRoles: app-rw\n',
    );
    expect(errorLine(await etcdctl(endpoint, [user('app'), 'user', 'list']))).toBe(
      'Error: etcdserver: permission denied',
    );
    expect(errorLine(await etcdctl(endpoint, [user('ops'), 'user', 'get', 'nobody']))).toBe(
      'Error: etcdserver: user name not found',
    );
    for (const args of [
      ['user', 'add', 'bob:pw'],
      ['role', 'add', 'r'],
      ['user', 'grant-role', 'app', 'admin'],
      ['auth', 'disable'],
      ['auth', 'enable'],
    ]) {
      const r = await etcdctl(endpoint, [user('ops'), ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(errorLine(r), args.join(' ')).toContain('users are API keys in security.apiKeysFile');
    }
  });

  it('takes a JWT as the password of the user it names', async () => {
    const token = await jwt('alice', ['app-rw']);
    issued.push(token);
    expect(ok(await etcdctl(endpoint, [`--user=alice:${token}`, 'put', 'app/j', 'jwt']))).toBe('OK\n');
    const denied = await etcdctl(endpoint, [`--user=alice:${token}`, 'put', 'other', 'jwt']);
    expect(errorLine(denied)).toBe('Error: etcdserver: permission denied');
    const other = await etcdctl(endpoint, [`--user=bob:${token}`, 'get', 'app/j']);
    expect(errorLine(other)).toBe('Error: etcdserver: authentication failed, invalid user ID or password');
  });

  it('keeps keys and tokens out of the server log', () => {
    const text = server.logs.map((l) => JSON.stringify(l)).join('\n');
    expect(text).toContain('etcd.Authenticate');
    for (const secret of [...Object.values(keys).map((k) => k.key), ...issued])
      expect(text).not.toContain(secret);
  });
});

describe('the etcd3 npm client with auth', () => {
  it('authenticates with a key name and key, and knows a refusal as EtcdPermissionDeniedError', async () => {
    const client = (name: keyof typeof keys) =>
      new Etcd3({ hosts: endpoint, auth: { username: name, password: keys[name].key } });
    const [app, reader, wrong] = [
      client('app'),
      client('reader'),
      new Etcd3({ hosts: endpoint, auth: { username: 'app', password: 'kvs_nope' } }),
    ];
    try {
      await app.put('app/n').value('from etcd3');
      expect(await reader.get('app/n').string()).toBe('from etcd3');
      await expect(reader.put('app/n').value('no')).rejects.toBeInstanceOf(EtcdPermissionDeniedError);
      await expect(app.get('other').string()).rejects.toBeInstanceOf(EtcdPermissionDeniedError);
      await expect(wrong.get('app/n').string()).rejects.toBeInstanceOf(EtcdAuthenticationFailedError);
    } finally {
      for (const c of [app, reader, wrong]) c.close();
    }
  });
});

describe('etcdctl --user against kvstore without authentication', () => {
  it('goes on without a token, as against an etcd whose auth is disabled', async () => {
    const open = await startServerProcess(join(await suiteDir(), 'open'));
    try {
      expect(ok(await etcdctl(open.addr, ['--user=someone:pw', 'put', 'k', 'v']))).toBe('OK\n');
      expect(ok(await etcdctl(open.addr, ['--user=someone:pw', 'get', 'k']))).toBe('k\nv\n');
      expect(ok(await etcdctl(open.addr, ['user', 'list']))).toBe('');
    } finally {
      await open.stop();
    }
  }, 30_000);
});
