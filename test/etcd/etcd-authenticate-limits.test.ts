import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdserverpb } from '../../src/api/etcd/proto.js';
import { apiKeyLine, createApiKey } from '../../src/security/api-keys.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13: etcd's Auth.Authenticate takes a credential to check before any principal is known, so it is
 * audited (a refusal is a refused call naming the claimed user, never the password) and charged to the
 * caller's address (security.authenticateRateLimit), so keys cannot be guessed through it at speed.
 */
let dir: string;
let server: ServerProcess;
let auth: Client & { Authenticate: (...args: unknown[]) => unknown };
let kv: Client & { Range: (...args: unknown[]) => unknown };
const app = createApiKey('app', ['readwrite']);
const LIMIT = 5;

function authenticate(name: string, password: string): Promise<{ token: string }> {
  return new Promise((resolve, reject) =>
    auth.Authenticate({ name, password }, (err: Error | null, res: { token: string }) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => status.OK,
    (err: { code: number }) => err.code,
  );

async function auditLines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, 'audit.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = await suiteDir('kvstore-etcd-authn-');
  await writeFile(join(dir, 'keys.yaml'), `${apiKeyLine(app.entry)}\n`);
  server = await startServerProcess(join(dir, 'data'), [
    '--security-api-keys-file',
    join(dir, 'keys.yaml'),
    '--security-audit-file',
    join(dir, 'audit.jsonl'),
    '--security-authenticate-rate-limit',
    String(LIMIT),
    '--security-reload-interval',
    '200ms',
  ]);
  auth = new etcdserverpb.Auth(server.addr, credentials.createInsecure()) as unknown as typeof auth;
  kv = new etcdserverpb.KV(server.addr, credentials.createInsecure()) as unknown as typeof kv;
}, 30_000);

afterAll(async () => {
  auth?.close();
  kv?.close();
  await server?.stop();
});

describe('etcd Auth.Authenticate', () => {
  it('writes a refused Authenticate to the audit log as a refused call, without the password', async () => {
    const guess = 'kvs_not-the-key-0123456789';
    expect(await codeOf(authenticate('app', guess))).toBe(status.INVALID_ARGUMENT);
    expect((await authenticate('app', app.key)).token).toBe(app.key);
    const lines = await until('the Authenticate lines in the audit log', async () => {
      const found = (await auditLines()).filter((l) => l.method === 'etcd.Authenticate');
      return found.length >= 2 ? found : undefined;
    });
    expect(lines[0]).toMatchObject({
      principal: '',
      method: 'etcd.Authenticate',
      result: 'INVALID_ARGUMENT',
      reason: 'etcdserver: authentication failed, invalid user ID or password (user "app")',
    });
    expect(lines[1]).toMatchObject({ principal: 'app', method: 'etcd.Authenticate', result: 'OK' });
    const text = await readFile(join(dir, 'audit.jsonl'), 'utf8');
    expect(text).not.toContain(guess);
    expect(text).not.toContain(app.key);
  });

  it('counts Authenticate against a per-address limit: a burst of guesses is refused RESOURCE_EXHAUSTED and audited', async () => {
    // Past the bucket (LIMIT at once, LIMIT a second), guesses are refused before any key is checked. The
    // bound counts the refill over however long the burst took (the machine may be loaded).
    const started = performance.now();
    const codes = await Promise.all(
      Array.from({ length: 8 * LIMIT }, (_, i) => codeOf(authenticate('app', `kvs_guess-${i}`))),
    );
    const seconds = (performance.now() - started) / 1000;
    const limited = codes.filter((c) => c === status.RESOURCE_EXHAUSTED).length;
    const checked = codes.filter((c) => c === status.INVALID_ARGUMENT).length;
    expect(limited + checked).toBe(codes.length);
    expect(limited).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(Math.ceil(LIMIT * (1 + seconds)) + 1);
    // More calls at once than the bucket holds: one is refused however much it refilled since the burst.
    const answers = await Promise.all(
      Array.from(
        { length: LIMIT + 1 },
        (_, i) =>
          new Promise<{ code: number; details: string; retry: unknown }>((resolve) =>
            auth.Authenticate(
              { name: 'app', password: `kvs_again-${i}` },
              (err: { code: number; details: string; metadata: { get(k: string): unknown[] } }) =>
                resolve({
                  code: err.code,
                  details: err.details,
                  retry: err.metadata.get('retry-after-ms')[0],
                }),
            ),
          ),
      ),
    );
    const refusal = answers.find((a) => a.code === status.RESOURCE_EXHAUSTED) ?? answers[0]!;
    expect(refusal.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refusal.details).toMatch(
      /^rate limit: etcd Authenticate may be called 5 times\/s per client address \(security\.authenticateRateLimit\); 127\.0\.0\.1 may retry in \d+ ms$/,
    );
    expect(Number(refusal.retry)).toBeGreaterThan(0);
    const audited = await until('the rate-limit refusals in the audit log', async () => {
      const found = (await auditLines()).filter(
        (l) => l.method === '/etcdserverpb.Auth/Authenticate' && l.result === 'RESOURCE_EXHAUSTED',
      );
      return found.length > limited ? found : undefined;
    });
    expect(audited[0]!.principal).toBe('');
    // The right key gets through again once the bucket has refilled (no fixed sleep: retried until it does).
    const token = await until('Authenticate to be admitted again', () =>
      authenticate('app', app.key).then(
        (r) => r.token,
        () => undefined,
      ),
    );
    expect(token).toBe(app.key);
  });

  it('a token whose key is removed from the keys file is refused at its next call, without a restart', async () => {
    const token = await until('Authenticate to be admitted', () =>
      authenticate('app', app.key).then(
        (r) => r.token,
        () => undefined,
      ),
    );
    const range = () =>
      new Promise<number>((resolve) => {
        const metadata = new Metadata();
        metadata.set('token', token);
        kv.Range({ key: Buffer.from('k') }, metadata, (err: { code: number } | null) =>
          resolve(err ? err.code : status.OK),
        );
      });
    expect(await range()).toBe(status.OK);
    const other = createApiKey('other', ['readonly']);
    await writeFile(join(dir, 'keys.aside'), `${apiKeyLine(other.entry)}\n`);
    await rename(join(dir, 'keys.aside'), join(dir, 'keys.yaml'));
    await until('the removed key to be refused as a token', async () =>
      (await range()) === status.UNAUTHENTICATED ? true : undefined,
    );
  });
});
