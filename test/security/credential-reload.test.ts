import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, connect } from '../../src/client/index.js';
import { apiKeyLine, createApiKey } from '../../src/security/api-keys.js';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13: the keys and roles files are read again while the server runs (security.reloadInterval): a
 * revoked key is refused within an interval, a garbage edit keeps the keys in use, a narrowed role binds.
 */
let dir: string;
let server: ServerProcess;
const keep = createApiKey('keep', ['admin']);
const gone = createApiKey('gone', ['admin']);
const app = createApiKey('app', ['app-rw']);
const oldSecret = randomBytes(48);
const newSecret = randomBytes(48);

function jwt(secret: Uint8Array): Promise<string> {
  return new SignJWT({ roles: ['app-rw'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('carol')
    .setIssuer('https://id.test')
    .setAudience('kvstore')
    .setExpirationTime('10m')
    .sign(secret);
}
const ROLES = 'roles:\n  app-rw:\n    read: ["app/**"]\n    write: ["app/**"]\n';

/** Replaces a file the way an editor or a config tool does: written aside, then renamed over it. */
async function replaceFile(name: string, text: string): Promise<void> {
  const aside = join(dir, `.${name}.new`);
  await writeFile(aside, text);
  await rename(aside, join(dir, name));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function http(method: string, path: string, key: string, body?: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.httpPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}` },
    body,
  });
}

beforeAll(async () => {
  dir = await suiteDir('kvstore-reload-');
  await writeFile(
    join(dir, 'keys.yaml'),
    `# deploy keys\n${[keep, gone, app].map((k) => `${apiKeyLine(k.entry)}\n`).join('')}`,
  );
  await writeFile(join(dir, 'roles.yaml'), ROLES);
  await writeFile(join(dir, 'jwt.secret'), oldSecret);
  server = await startServerProcess(join(dir, 'data'), [
    '--security-jwt-secret-file',
    join(dir, 'jwt.secret'),
    '--security-jwt-issuer',
    'https://id.test',
    '--security-jwt-audience',
    'kvstore',
    '--security-api-keys-file',
    join(dir, 'keys.yaml'),
    '--security-roles-file',
    join(dir, 'roles.yaml'),
    '--security-reload-interval',
    '200ms',
  ]);
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

describe('credential files reloaded without a restart', () => {
  it('a key revoked with kvstore auth key revoke is refused with UNAUTHENTICATED, the others still work', async () => {
    expect((await http('PUT', '/v1/kv/app/x', gone.key, 'v1')).status).toBe(200);
    const client = connect({ endpoints: [server.addr], apiKey: gone.key });
    try {
      await client.get('app/x');
      const missing = await kvstore([
        'auth',
        'key',
        'revoke',
        'nobody',
        '--keys-file',
        join(dir, 'keys.yaml'),
      ]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('has no key named "nobody"');
      const revoked = await kvstore(['auth', 'key', 'revoke', 'gone', '--keys-file', join(dir, 'keys.yaml')]);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toContain('removed the key "gone"');
      // Only its line went: the comment and the other keys are as they were.
      expect(await readFile(join(dir, 'keys.yaml'), 'utf8')).toBe(
        `# deploy keys\n${apiKeyLine(keep.entry)}\n${apiKeyLine(app.entry)}\n`,
      );
      const refused = await until('the revoked key to be refused over gRPC', () =>
        client.get('app/x').then(
          () => undefined,
          (err: unknown) => err,
        ),
      );
      expect(refused).toBeInstanceOf(AuthError);
      expect((refused as AuthError).code).toBe(status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
    // A key created into the file is accepted within an interval.
    const created = await kvstore([
      'auth',
      'key',
      'create',
      'newcomer',
      '--role',
      'app-rw',
      '--keys-file',
      join(dir, 'keys.yaml'),
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const newKey = (JSON.parse(created.stdout) as { key: string }).key;
    await until('the created key to be accepted', async () =>
      (await http('GET', '/v1/kv/app/x', newKey)).status === 200 ? true : undefined,
    );
    const twice = await kvstore(['auth', 'key', 'create', 'newcomer', '--keys-file', join(dir, 'keys.yaml')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('has a key named "newcomer" already');
    expect(
      (await kvstore(['auth', 'key', 'revoke', 'newcomer', '--keys-file', join(dir, 'keys.yaml')])).code,
    ).toBe(0);
    const res = await http('GET', '/v1/kv/app/x', gone.key);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toContain('refused (unknown or revoked)');
    expect((await http('GET', '/v1/kv/app/x', keep.key)).status).toBe(200);
    expect(server.logs.some((l) => l.msg === 'credentials reloaded')).toBe(true);
  });

  it('a garbage edit of the keys file is logged and the keys in use stay', async () => {
    await replaceFile('keys.yaml', '- { name: keep, hash: "not a hash" }\n: : :\n');
    const warning = await until('the refused edit in the log', async () =>
      server.logs.find((l) => l.level === 40 && String(l.msg).includes('security.apiKeysFile')),
    );
    expect(String(warning.msg)).toContain('the previous contents stay');
    expect((await http('GET', '/v1/kv/app/x', keep.key)).status).toBe(200);
    expect((await http('GET', '/v1/kv/app/x', app.key)).status).toBe(200);
    expect((await http('GET', '/v1/kv/app/x', gone.key)).status).toBe(401);
    // A key naming a role no file defines is not taken either (it would lock the key out silently).
    const typo = createApiKey('typo', ['app-rww']);
    await replaceFile('keys.yaml', `${apiKeyLine(keep.entry)}\n${apiKeyLine(typo.entry)}\n`);
    await until('the unknown role in the log', async () =>
      server.logs.find((l) => l.level === 40 && String(l.msg).includes('role "app-rww" is not defined')),
    );
    expect((await http('GET', '/v1/kv/app/x', app.key)).status).toBe(200);
    expect((await http('GET', '/v1/kv/app/x', typo.key)).status).toBe(401);
    // Fixed: taken at the next look.
    await replaceFile('keys.yaml', `${apiKeyLine(keep.entry)}\n${apiKeyLine(app.entry)}\n`);
  });

  it('a role narrowed in the roles file binds its principals at once', async () => {
    expect((await http('PUT', '/v1/kv/app/y', app.key, 'v')).status).toBe(200);
    await replaceFile('roles.yaml', 'roles:\n  app-rw:\n    read: ["app/**"]\n');
    const denied = await until('the narrowed role to refuse a write', async () => {
      const res = await http('PUT', '/v1/kv/app/y', app.key, 'v2');
      return res.status === 200 ? undefined : res;
    });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toBe(
      'principal "app" may not write key "app/y"',
    );
    expect((await http('GET', '/v1/kv/app/y', app.key)).status).toBe(200);
    // A roles file that would leave a key with an undefined role is not taken: the narrowed one stays.
    await replaceFile('roles.yaml', 'roles:\n  other:\n    read: ["app/**"]\n');
    await until('the misfit roles file in the log', async () =>
      server.logs.find((l) => l.level === 40 && String(l.msg).includes('role "app-rw" is not defined')),
    );
    expect((await http('GET', '/v1/kv/app/y', app.key)).status).toBe(200);
    expect((await http('PUT', '/v1/kv/app/y', app.key, 'v3')).status).toBe(403);
    // Namespaces' prefixes and quotas are set up at start: a file that changes them waits for a restart.
    await replaceFile(
      'roles.yaml',
      'roles:\n  app-rw:\n    read: ["app/**"]\n    write: ["app/**"]\nnamespaces:\n  acme: {}\n',
    );
    await until('the namespaces change in the log', async () =>
      server.logs.find((l) => l.level === 40 && String(l.msg).includes('its namespaces: section changed')),
    );
    expect((await http('PUT', '/v1/kv/app/y', app.key, 'v3')).status).toBe(403);
    // Each taken reload and each refused edit is counted.
    const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    const count = (result: string) =>
      Number(
        new RegExp(`^kvstore_credential_reloads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(
          metrics,
        )?.[1],
      );
    expect(count('taken')).toBeGreaterThanOrEqual(2);
    expect(count('kept')).toBeGreaterThanOrEqual(2);
  });

  it('a replaced JWT secret: tokens signed with the old one, verified before, are refused; new ones pass', async () => {
    const old = await jwt(oldSecret);
    expect((await http('GET', '/v1/kv/app/x', old)).status).toBe(200);
    await replaceFile('jwt.secret', newSecret.toString('base64url'));
    const refused = await until("the old secret's token to be refused", async () => {
      const res = await http('GET', '/v1/kv/app/x', old);
      return res.status === 401 ? res : undefined;
    });
    expect(((await refused.json()) as { message: string }).message).toBe(
      'the JWT signature does not verify with any trusted key',
    );
    expect(
      (await http('GET', '/v1/kv/app/x', await jwt(Buffer.from(newSecret.toString('base64url'))))).status,
    ).toBe(200);
    // A secret too short to be taken: logged, and the current one stays.
    await replaceFile('jwt.secret', 'short');
    await until('the short secret in the log', async () =>
      server.logs.find((l) => l.level === 40 && String(l.msg).includes('needs at least 32 bytes')),
    );
    expect(
      (await http('GET', '/v1/kv/app/x', await jwt(Buffer.from(newSecret.toString('base64url'))))).status,
    ).toBe(200);
  });
});
