import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, importPKCS8, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyAuthenticator, createApiKey } from '../../src/security/api-keys.js';
import { ClientCertPrincipals } from '../../src/security/client-cert.js';
import { CredentialGate } from '../../src/security/credential-gate.js';
import { JwtAuthenticator, type JwtSettings } from '../../src/security/jwt.js';
import { type Principal, Unauthenticated } from '../../src/security/principal.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 3 (JWT part): tokens signed here with jose (HS256 from a secret file, RS256 and ES256 from
 * PEM keys and a JWKS file), checked by the server's verifier: signature, issuer, audience, exp and nbf with
 * the clock-skew allowance; the principal from sub, roles from the configured claim; each refusal says
 * which claim and why, never anything of the key.
 */
let dir: string;
const secret = randomBytes(32);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let base: JwtSettings;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const sec = (ms: number) => Math.floor(ms / 1000);

beforeAll(async () => {
  dir = await suiteDir('kvstore-jwt-');
  await writeFile(join(dir, 'secret'), `${secret.toString('base64url')}\n`);
  await writeFile(join(dir, 'rsa.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(join(dir, 'ec.pem'), ec.publicKey.export({ type: 'spki', format: 'pem' }));
  const jwk = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' };
  const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
  await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk, rsaJwk] }));
  base = {
    jwtSecretFile: '',
    jwtPublicKeyFile: '',
    jwtJwksFile: '',
    jwtIssuer: 'https://issuer.example',
    jwtAudience: 'kvstore',
    jwtRolesClaim: 'roles',
    jwtClockSkewMs: 30_000,
  };
});

interface Claims {
  sub?: string;
  iss?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  [claim: string]: unknown;
}

const goodClaims = (): Claims => ({
  sub: 'alice',
  iss: 'https://issuer.example',
  aud: 'kvstore',
  exp: sec(NOW) + 600,
  roles: ['readwrite'],
});

async function sign(
  claims: Claims,
  alg: 'HS256' | 'RS256' | 'ES256',
  key: Uint8Array | import('node:crypto').KeyObject,
  kid?: string,
): Promise<string> {
  const signingKey =
    key instanceof Uint8Array
      ? key
      : await importPKCS8(key.export({ type: 'pkcs8', format: 'pem' }).toString(), alg);
  return new SignJWT(claims).setProtectedHeader(kid ? { alg, kid } : { alg }).sign(signingKey);
}

const hsKey = () => new Uint8Array(Buffer.from(secret.toString('base64url')));

/** Verifies as the gate does (prepare, then the synchronous check) at time `now`. */
async function check(verifier: JwtAuthenticator, token: string): Promise<Principal> {
  await verifier.prepare(token);
  return verifier.verified(token);
}

async function refusal(verifier: JwtAuthenticator, token: string): Promise<Unauthenticated> {
  const err = await check(verifier, token).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Unauthenticated);
  return err as Unauthenticated;
}

describe('JWT verification', () => {
  it('accepts HS256 from a secret file: the principal is sub, the roles the roles claim, via jwt', async () => {
    const v = await JwtAuthenticator.load({ ...base, jwtSecretFile: join(dir, 'secret') }, () => NOW);
    const p = await check(v, await sign(goodClaims(), 'HS256', hsKey()));
    expect(p).toEqual({ name: 'alice', roles: ['readwrite'], via: 'jwt' });
  });

  it('accepts RS256 and ES256 from a PEM public key, and both from a JWKS file by kid', async () => {
    const rs = await JwtAuthenticator.load({ ...base, jwtPublicKeyFile: join(dir, 'rsa.pem') }, () => NOW);
    expect((await check(rs, await sign(goodClaims(), 'RS256', rsa.privateKey))).name).toBe('alice');
    const es = await JwtAuthenticator.load({ ...base, jwtPublicKeyFile: join(dir, 'ec.pem') }, () => NOW);
    expect((await check(es, await sign(goodClaims(), 'ES256', ec.privateKey))).name).toBe('alice');
    const set = await JwtAuthenticator.load({ ...base, jwtJwksFile: join(dir, 'jwks.json') }, () => NOW);
    expect((await check(set, await sign(goodClaims(), 'ES256', ec.privateKey, 'ec-1'))).via).toBe('jwt');
    expect((await check(set, await sign(goodClaims(), 'RS256', rsa.privateKey, 'rsa-1'))).via).toBe('jwt');
  });

  it('refuses an expired token saying when it expired, and honours the clock-skew allowance', async () => {
    let now = NOW;
    const v = await JwtAuthenticator.load({ ...base, jwtSecretFile: join(dir, 'secret') }, () => now);
    const exp = sec(NOW) - 10; // expired 10 s ago: within the 30 s allowance
    const token = await sign({ ...goodClaims(), exp }, 'HS256', hsKey());
    expect((await check(v, token)).name).toBe('alice');
    now = NOW + 60_000; // past exp + skew: the cached principal is not used any more
    const err = await refusal(v, token);
    expect(err.reason).toBe('expired');
    expect(err.message).toBe(`the JWT expired at ${new Date(exp * 1000).toISOString()}`);
    const old = await sign({ ...goodClaims(), exp: sec(NOW) - 3600 }, 'HS256', hsKey());
    const again = await refusal(v, old);
    expect(again.reason).toBe('expired');
    expect(again.message).toContain(new Date((sec(NOW) - 3600) * 1000).toISOString());
  });

  it('refuses a token not valid yet (nbf), a wrong audience, a wrong issuer, saying which', async () => {
    const v = await JwtAuthenticator.load({ ...base, jwtSecretFile: join(dir, 'secret') }, () => NOW);
    const nbf = await refusal(v, await sign({ ...goodClaims(), nbf: sec(NOW) + 300 }, 'HS256', hsKey()));
    expect([nbf.reason, nbf.message]).toEqual([
      'not_yet_valid',
      `the JWT is not valid before ${new Date((sec(NOW) + 300) * 1000).toISOString()}`,
    ]);
    const aud = await refusal(v, await sign({ ...goodClaims(), aud: 'billing' }, 'HS256', hsKey()));
    expect([aud.reason, aud.message]).toEqual([
      'audience',
      'the JWT is not for this server (its audience is not "kvstore")',
    ]);
    const iss = await refusal(v, await sign({ ...goodClaims(), iss: 'https://evil' }, 'HS256', hsKey()));
    expect(iss.reason).toBe('issuer');
    const noExp = await refusal(v, await sign({ ...goodClaims(), exp: undefined }, 'HS256', hsKey()));
    expect([noExp.reason, noExp.message]).toEqual(['claims', 'the JWT has no "exp" claim']);
    const noSub = await refusal(v, await sign({ ...goodClaims(), sub: undefined }, 'HS256', hsKey()));
    expect(noSub.reason).toBe('claims');
  });

  it('refuses a wrong signature the same way whatever was wrong, and an algorithm it does not accept', async () => {
    const v = await JwtAuthenticator.load({ ...base, jwtPublicKeyFile: join(dir, 'ec.pem') }, () => NOW);
    const forged = await refusal(v, await sign(goodClaims(), 'ES256', otherEc.privateKey));
    expect([forged.reason, forged.message]).toEqual([
      'bad_signature',
      'the JWT signature does not verify with any trusted key',
    ]);
    const good = await sign(goodClaims(), 'ES256', ec.privateKey);
    const [h, p, s] = good.split('.') as [string, string, string];
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...goodClaims(), sub: 'root' })).toString('base64url')}.${s}`;
    expect((await refusal(v, tampered)).message).toBe(forged.message);
    expect(p).not.toBe('');
    // HS256 signed with the public key's PEM as the secret (algorithm confusion) finds no key.
    const pemSecret = new Uint8Array(Buffer.from(ec.publicKey.export({ type: 'spki', format: 'pem' })));
    const confused = await refusal(v, await sign(goodClaims(), 'HS256', pemSecret));
    expect(confused.reason).toBe('unsupported');
    const jwks = await JwtAuthenticator.load({ ...base, jwtJwksFile: join(dir, 'jwks.json') }, () => NOW);
    expect((await refusal(jwks, await sign(goodClaims(), 'ES256', otherEc.privateKey, 'ec-1'))).reason).toBe(
      'bad_signature',
    );
  });

  it('reads roles from a nested claim or a space-separated string', async () => {
    const nested = await JwtAuthenticator.load(
      { ...base, jwtSecretFile: join(dir, 'secret'), jwtRolesClaim: 'realm_access.roles' },
      () => NOW,
    );
    const p = await check(
      nested,
      await sign({ ...goodClaims(), realm_access: { roles: ['admin'] } }, 'HS256', hsKey()),
    );
    expect(p.roles).toEqual(['admin']);
    const scoped = await JwtAuthenticator.load(
      { ...base, jwtSecretFile: join(dir, 'secret'), jwtRolesClaim: 'scope' },
      () => NOW,
    );
    expect(
      (await check(scoped, await sign({ ...goodClaims(), scope: 'a b' }, 'HS256', hsKey()))).roles,
    ).toEqual(['a', 'b']);
  });

  it('stops the start naming the setting: no issuer/audience, a short secret, an unreadable key', async () => {
    await expect(
      JwtAuthenticator.load({ ...base, jwtIssuer: '', jwtSecretFile: join(dir, 'secret') }),
    ).rejects.toThrow(/security.jwtIssuer and security.jwtAudience/);
    await writeFile(join(dir, 'short'), 'tooshort');
    await expect(JwtAuthenticator.load({ ...base, jwtSecretFile: join(dir, 'short') })).rejects.toThrow(
      /security.jwtSecretFile .*short: an HS256 secret needs at least 32 bytes \(has 8\)/,
    );
    await expect(JwtAuthenticator.load({ ...base, jwtPublicKeyFile: join(dir, 'nope.pem') })).rejects.toThrow(
      /security.jwtPublicKeyFile .*nope.pem cannot be read \(ENOENT\)/,
    );
  });
});

describe('the credential gate', () => {
  it('tells API keys, JWTs and client certificates apart, and says which credential was refused', async () => {
    const { key, entry } = createApiKey('ci', ['admin']);
    const jwt = await JwtAuthenticator.load({ ...base, jwtSecretFile: join(dir, 'secret') }, () => NOW);
    const gate = new CredentialGate({
      apiKeys: new ApiKeyAuthenticator([entry]),
      jwt,
      clientCerts: new ClientCertPrincipals(new Map([['svc-a', ['readonly']]])),
    });
    expect(gate.authenticate(`Bearer ${key}`)).toEqual({ name: 'ci', roles: ['admin'], via: 'api-key' });
    expect(gate.prepare(`Bearer ${key}`)).toBeUndefined();
    const token = await sign(goodClaims(), 'HS256', hsKey());
    await gate.prepare(`Bearer ${token}`);
    expect(gate.prepare(`Bearer ${token}`)).toBeUndefined(); // verified once, then answered from the cache
    expect(gate.authenticate(`Bearer ${token}`).via).toBe('jwt');
    expect(gate.authenticate(undefined, () => 'svc-a')).toEqual({
      name: 'svc-a',
      roles: ['readonly'],
      via: 'client-cert',
    });
    // A bearer value wins over the certificate.
    expect(gate.authenticate(`Bearer ${key}`, () => 'svc-a').name).toBe('ci');
    const refused = (auth: string | undefined) => {
      try {
        gate.authenticate(auth);
      } catch (err) {
        return [(err as Unauthenticated).reason, (err as Error).message];
      }
      return null;
    };
    expect(refused(undefined)?.[0]).toBe('missing');
    expect(refused(undefined)?.[1]).toMatch(/API key .* or a JWT, or present a client certificate/);
    expect(refused('Basic abc')?.[0]).toBe('malformed');
    expect(refused(`Bearer ${key.slice(0, -1)}x`)).toEqual([
      'unknown_key',
      'the API key was refused (unknown or revoked)',
    ]);
  });

  it('a revoked key (removed from the keys file) is refused like one never issued', () => {
    const a = createApiKey('a');
    const b = createApiKey('b');
    const before = new CredentialGate({
      apiKeys: new ApiKeyAuthenticator([a.entry, b.entry]),
      jwt: null,
      clientCerts: null,
    });
    expect(before.authenticate(`Bearer ${b.key}`).name).toBe('b');
    const after = new CredentialGate({
      apiKeys: new ApiKeyAuthenticator([a.entry]),
      jwt: null,
      clientCerts: null,
    });
    expect(() => after.authenticate(`Bearer ${b.key}`)).toThrow(
      'the API key was refused (unknown or revoked)',
    );
    expect(() => after.authenticate(`Bearer ${a.key.replace('kvs_', 'a.b.')}`)).toThrow(
      'a JWT was sent, but this server accepts none',
    );
  });
});
