import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFiles } from '../helpers/auth-files.js';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 16: GET /v1/whoami answers who the caller is (principal, how it authenticated, roles) and what its
 * roles grant, from the same resolution the checks use; with authentication off, nobody in particular.
 */
let dir: string;
let open: ServerProcess;
let guarded: ServerProcess;
let keys: Record<string, string>;
const secret = randomBytes(48);
const ROLES = [
  'roles:',
  '  app-writer:',
  '    read: ["app/**"]',
  '    write: ["app/**", "tmp/*"]',
  '    rateLimit: { requestsPerSecond: 50, burst: 5 }',
  '  tenant:',
  '    read: ["**"]',
  '    write: ["**"]',
  '    namespace: acme',
  'namespaces:',
  '  acme: { prefix: "tenants/acme/" }',
  '',
].join('\n');

async function whoami(server: ServerProcess, credential?: string) {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/v1/whoami`, {
    headers: credential ? { authorization: `Bearer ${credential}` } : {},
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = await suiteDir('kvstore-whoami-');
  await writeFile(join(dir, 'jwt.secret'), secret);
  const files = await authFiles(
    dir,
    [
      ['ops', ['admin']],
      ['bot', ['app-writer']],
      ['acme-bot', ['tenant']],
    ],
    ROLES,
  );
  keys = files.keys;
  [open, guarded] = await Promise.all([
    startServerProcess(join(dir, 'open')),
    startServerProcess(join(dir, 'guarded'), [
      ...files.flags,
      '--security-jwt-secret-file',
      join(dir, 'jwt.secret'),
      '--security-jwt-issuer',
      'https://id.test',
      '--security-jwt-audience',
      'kvstore',
    ]),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
});

describe('GET /v1/whoami', () => {
  it('with authentication off: no principal, auth off', async () => {
    expect(await whoami(open)).toEqual({ status: 200, body: { principal: null, auth: 'off' } });
  });

  it('an API key: its name, via, roles, the globs, admin and rate limit its known roles grant', async () => {
    expect(await whoami(guarded, keys.bot)).toEqual({
      status: 200,
      body: {
        principal: 'bot',
        auth: 'on',
        via: 'api-key',
        roles: ['app-writer'],
        unknown_roles: [],
        grants: {
          read: ['app/**'],
          write: ['app/**', 'tmp/*'],
          admin: false,
          rate_limit: { requests_per_second: 50, bytes_per_second: 0, burst: 5 },
          namespace: null,
        },
      },
    });
    const ops = await whoami(guarded, keys.ops);
    expect(ops.body).toMatchObject({
      principal: 'ops',
      via: 'api-key',
      grants: { admin: true, read: ['**'] },
    });
  });

  it('a principal bound to a namespace: its name', async () => {
    const { body } = await whoami(guarded, keys['acme-bot']);
    expect(body).toMatchObject({ principal: 'acme-bot', roles: ['tenant'], grants: { namespace: 'acme' } });
  });

  it('a JWT: its sub and roles claim, roles this server does not define apart', async () => {
    const jwt = await new SignJWT({ roles: ['readonly', 'billing'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('https://id.test')
      .setAudience('kvstore')
      .setExpirationTime('5m')
      .sign(secret);
    const { body } = await whoami(guarded, jwt);
    expect(body).toMatchObject({
      principal: 'alice',
      via: 'jwt',
      roles: ['readonly', 'billing'],
      unknown_roles: ['billing'],
      grants: { read: ['**'], write: [], admin: false, rate_limit: null },
    });
  });

  it('gRPC: Status names the caller the same way, and kvstore status prints it', async () => {
    const env = { KVSTORE_ADDR: guarded.addr, KVSTORE_API_KEY: keys.bot };
    const json = await kvstore(['status', '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { caller: unknown }).caller).toEqual({
      principal: 'bot',
      via: 'api-key',
      roles: ['app-writer'],
      unknown_roles: [],
      grants: {
        read: ['app/**'],
        write: ['app/**', 'tmp/*'],
        admin: false,
        rate_limit: { requests_per_second: 50, bytes_per_second: 0, burst: 5 },
        namespace: '',
      },
    });
    const text = await kvstore(['status'], { env });
    expect(text.stdout).toMatch(/^caller\s+bot \(api-key\), roles: app-writer$/m);
    // Authentication off: no caller.
    const off = await kvstore(['status', '--json'], { env: { KVSTORE_ADDR: open.addr } });
    expect((JSON.parse(off.stdout) as { caller: unknown }).caller).toBeNull();
  });

  it('no credential or a wrong one: the 401 of every route', async () => {
    expect((await whoami(guarded)).status).toBe(401);
    expect((await whoami(guarded, 'kvs_wrong')).status).toBe(401);
  });
});
