import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, connect } from '../../src/client/index.js';
import { apiKeyLine, createApiKey } from '../../src/security/api-keys.js';
import { rejectionOf } from '../helpers/rejection.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, "how we will know": an expired JWT, a wrong audience, a wrong signature and a revoked API key
 * are each refused with UNAUTHENTICATED by a real server, over gRPC and HTTP, saying which credential and
 * why; a good JWT is served like an API key.
 */
let dir: string;
let server: ServerProcess;
const secret = randomBytes(48);
const keep = createApiKey('keep', ['admin']);
const revoked = createApiKey('gone', ['admin']);
const now = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown> = {}, key: Uint8Array = secret): Promise<string> {
  return new SignJWT({
    sub: 'alice',
    iss: 'https://id.test',
    aud: 'kvstore',
    exp: now() + 600,
    roles: ['admin'],
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(key);
}

async function startWith(keys: string[]): Promise<ServerProcess> {
  await writeFile(join(dir, 'keys.yaml'), `${keys.join('\n')}\n`);
  return startServerProcess(join(dir, 'data'), [
    '--security-api-keys-file',
    join(dir, 'keys.yaml'),
    '--security-jwt-secret-file',
    join(dir, 'jwt.secret'),
    '--security-jwt-issuer',
    'https://id.test',
    '--security-jwt-audience',
    'kvstore',
  ]);
}

beforeAll(async () => {
  dir = await suiteDir('kvstore-jwt-server-');
  await writeFile(join(dir, 'jwt.secret'), secret);
  server = await startWith([apiKeyLine(keep.entry), apiKeyLine(revoked.entry)]);
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

async function grpcRefusal(credential: string): Promise<AuthError> {
  const client = connect({ endpoints: [server.addr], apiKey: credential });
  try {
    const err = await rejectionOf(client.get('k'));
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe(status.UNAUTHENTICATED);
    return err as AuthError;
  } finally {
    client.close();
  }
}

async function httpRefusal(credential: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/k`, {
    headers: { authorization: `Bearer ${credential}` },
  });
  expect(res.status).toBe(401);
  const body = (await res.json()) as { code: string; message: string };
  expect(body.code).toBe('UNAUTHENTICATED');
  return body.message;
}

describe('JWT bearer tokens on a running server', () => {
  it('serves a good token over gRPC (unary and watch) and HTTP, as the principal sub', async () => {
    const jwt = await token();
    const client = connect({ endpoints: [server.addr], apiKey: jwt });
    try {
      await client.set('k', 'v');
      expect((await client.get('k'))?.value.toString()).toBe('v');
      const watch = client.watch({ key: 'k' }, { startRevision: 1 });
      for await (const ev of watch) {
        expect(ev.key).toBe('k');
        break;
      }
      watch.close();
    } finally {
      client.close();
    }
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/k?raw=true`, {
      headers: { authorization: `Bearer ${jwt}` },
    });
    expect(await res.text()).toBe('v');
    // A token the server has not seen yet, first over HTTP: verified (asynchronously), then served.
    const fresh = await token({ jti: 'first-over-http' });
    const put = await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/h`, {
      method: 'PUT',
      body: 'via-http',
      headers: { authorization: `Bearer ${fresh}` },
    });
    expect(put.status).toBe(200);
    const badFresh = await token({ jti: 'bad-first-over-http', aud: 'other' });
    const refused = await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/h`, {
      headers: { authorization: `Bearer ${badFresh}` },
    });
    expect(refused.status).toBe(401);
  }, 30_000);

  it('refuses an expired token, a wrong audience and a wrong signature, saying which', async () => {
    const exp = now() - 3600;
    const expired = await token({ exp });
    const expiredMessage = `the JWT expired at ${new Date(exp * 1000).toISOString()}`;
    expect((await grpcRefusal(expired)).message).toContain(expiredMessage);
    expect(await httpRefusal(expired)).toBe(expiredMessage);

    const audience = await token({ aud: 'billing' });
    expect((await grpcRefusal(audience)).message).toContain('the JWT is not for this server');
    expect(await httpRefusal(audience)).toBe(
      'the JWT is not for this server (its audience is not "kvstore")',
    );

    const forged = await token({}, randomBytes(48));
    const forgedMessage = 'the JWT signature does not verify with any trusted key';
    expect((await grpcRefusal(forged)).message).toContain(forgedMessage);
    expect(await httpRefusal(forged)).toBe(forgedMessage);

    // Each refusal is counted by transport and reason (kvstore_auth_refusals_total).
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/k`)).status).toBe(401);
    const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
    const count = (transport: string, reason: string) =>
      Number(
        new RegExp(
          `^kvstore_auth_refusals_total\\{transport="${transport}",reason="${reason}"\\} (\\d+)`,
          'm',
        ).exec(metrics)?.[1] ?? 0,
      );
    for (const reason of ['expired', 'audience', 'bad_signature']) {
      expect(count('grpc', reason), `grpc ${reason}`).toBeGreaterThanOrEqual(1);
      expect(count('http', reason), `http ${reason}`).toBeGreaterThanOrEqual(1);
    }
    expect(count('http', 'missing')).toBe(1);
  }, 30_000);

  it('refuses an API key once it is removed from the keys file, and keeps serving the others', async () => {
    const before = connect({ endpoints: [server.addr], apiKey: revoked.key });
    try {
      await before.set('r', '1');
    } finally {
      before.close();
    }
    await server.stop();
    server = await startWith([apiKeyLine(keep.entry)]);
    const message = 'the API key was refused (unknown or revoked)';
    expect((await grpcRefusal(revoked.key)).message).toContain(message);
    expect(await httpRefusal(revoked.key)).toBe(message);
    const kept = connect({ endpoints: [server.addr], apiKey: keep.key });
    try {
      expect((await kept.get('r'))?.value.toString()).toBe('1');
    } finally {
      kept.close();
    }
  }, 30_000);
});
