import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwksUrlProblem } from '../../src/security/remote-jwks.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13: a JWKS fetched from the issuer's URL (security.jwtJwksUrl), here a loopback HTTP server
 * serving keys made in the test: a new kid is fetched and accepted without a restart, a removed key stops
 * verifying at the next refresh, and an issuer unreachable at start does not stop the server (its tokens
 * are refused saying why, then accepted once it answers).
 */
type Signer = { kid: string; privateKey: CryptoKey; jwk: JWK };

let dir: string;
let issuer: Server;
let issuerUrl: string;
/** What the issuer serves now: the keys, or null for 503. */
let served: JWK[] | null = null;
let fetches = 0;
const servers: ServerProcess[] = [];

async function signer(kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

function token(s: Signer, sub = 'alice'): Promise<string> {
  return new SignJWT({ roles: ['readwrite'] })
    .setProtectedHeader({ alg: 'ES256', kid: s.kid })
    .setSubject(sub)
    .setIssuer('https://id.test')
    .setAudience('kvstore')
    .setExpirationTime('10m')
    .sign(s.privateKey);
}

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess(join(dir, `data-${servers.length}`), [
    '--security-jwt-jwks-url',
    issuerUrl,
    '--security-jwt-jwks-cooldown',
    '100ms',
    '--security-jwt-jwks-refresh',
    '1s',
    '--security-jwt-issuer',
    'https://id.test',
    '--security-jwt-audience',
    'kvstore',
  ]);
  servers.push(server);
  return server;
}

/** GET of a missing key: 404 once the token is accepted, 401 (with the reason) while it is refused. */
async function call(server: ServerProcess, jwt: string): Promise<{ status: number; message: string }> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/nothing`, {
    headers: { authorization: `Bearer ${jwt}` },
  });
  return { status: res.status, message: ((await res.json()) as { message: string }).message };
}

async function until(what: string, ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = await suiteDir('kvstore-jwks-url-');
  issuer = createServer((_req, res) => {
    fetches += 1;
    if (served === null) res.writeHead(503).end('down');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  issuerUrl = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}/jwks.json`;
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  await new Promise((r) => issuer.close(r));
});

describe('security.jwtJwksUrl', () => {
  it('accepts http only to loopback hosts, https anywhere', () => {
    expect(jwksUrlProblem('https://id.example.com/.well-known/jwks.json')).toBeNull();
    expect(jwksUrlProblem('http://127.0.0.1:8080/jwks')).toBeNull();
    expect(jwksUrlProblem('http://[::1]/jwks')).toBeNull();
    expect(jwksUrlProblem('http://id.example.com/jwks')).toContain('only to a loopback host');
    expect(jwksUrlProblem('ftp://x/jwks')).toContain('use https://');
  });

  it('takes a new signing key (new kid) without a restart, and drops a removed one', async () => {
    const a = await signer('a');
    const b = await signer('b');
    served = [a.jwk];
    const server = await start();
    const tokenA = await token(a);
    expect((await call(server, tokenA)).status).toBe(404);
    // Rotation: the issuer publishes b and signs with it; the unknown kid makes the server fetch again.
    served = [a.jwk, b.jwk];
    const tokenB = await token(b, 'bob');
    await until('the new kid to be accepted', async () => (await call(server, tokenB)).status === 404);
    // The old key is withdrawn: at the next refresh the token it signed (verified and cached) is refused.
    served = [b.jwk];
    await until(
      'the withdrawn key to stop verifying',
      async () => (await call(server, tokenA)).status === 401,
    );
    expect((await call(server, tokenA)).message).toBe(
      'the JWT signature does not verify with any trusted key',
    );
    expect((await call(server, tokenB)).status).toBe(404);
    // Unknown kids do not make the server hammer the issuer: a burst of them costs a fetch per cooldown.
    // (Distinct tokens, so no remembered refusal answers for the fetch rule; the bound counts the burst's
    // own duration: one fetch per 100 ms cooldown, plus the 1 s refresh.)
    const c = await signer('c');
    const strangers = await Promise.all(Array.from({ length: 40 }, (_, i) => token(c, `s${i}`)));
    const before = fetches;
    const started = performance.now();
    await Promise.all(strangers.map(async (t) => expect((await call(server, t)).status).toBe(401)));
    const seconds = (performance.now() - started) / 1000;
    expect(fetches - before).toBeLessThanOrEqual(Math.floor(seconds / 0.1) + Math.floor(seconds) + 2);
    // The issuer goes down: the refresh fails (logged), and the keys fetched last stay in use.
    served = null;
    const down = fetches;
    await until(
      'a failed refresh in the log',
      async () =>
        fetches > down &&
        server.logs.some((l) => l.level === 40 && String(l.msg).includes('could not be fetched')),
    );
    expect((await call(server, await token(b, 'carol'))).status).toBe(404);
    served = [b.jwk];
  });

  it('starts while the issuer is unreachable, refuses its tokens saying why, accepts them once it answers', async () => {
    const a = await signer('a2');
    served = null;
    const server = await start();
    expect(server.logs.some((l) => l.level === 40 && String(l.msg).includes('could not be fetched'))).toBe(
      true,
    );
    const jwt = await token(a);
    const refused = await call(server, jwt);
    expect(refused.status).toBe(401);
    expect(refused.message).toContain("the issuer's keys (security.jwtJwksUrl) could not be fetched");
    served = [a.jwk];
    await until(
      'the token to be accepted once the issuer answers',
      async () => (await call(server, jwt)).status === 404,
    );
  });
});
