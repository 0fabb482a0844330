import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvstoreV1 } from '../../src/api/proto.js';
import { connect, type KvClient, UnavailableError } from '../../src/client/index.js';
import { CLIENT_EXT, makeCa, makeLeaf, SERVER_EXT } from '../helpers/certs.js';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 2 (gRPC part): grpc.listen with TLS and mTLS, certificates made here with openssl: a CA,
 * a server certificate for 127.0.0.1, a client certificate from the same CA and one from a stranger CA.
 */
let dir: string;
const pem = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await suiteDir('kvstore-tls-');
  makeCa(dir, 'ca');
  makeCa(dir, 'stranger-ca');
  makeLeaf(dir, 'server', 'ca', SERVER_EXT);
  makeLeaf(dir, 'client', 'ca', CLIENT_EXT);
  makeLeaf(dir, 'stranger', 'stranger-ca', CLIENT_EXT);
}, 30_000);

const tlsArgs = (mtls: boolean) => [
  '--grpc-tls-cert',
  pem('server.crt'),
  '--grpc-tls-key',
  pem('server.key'),
  ...(mtls ? ['--grpc-tls-client-ca', pem('ca.crt')] : []),
];

async function refusedError(client: KvClient): Promise<unknown> {
  return client.get('k').then(
    () => null,
    (e: unknown) => e,
  );
}

describe('TLS on grpc.listen', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(join(dir, 'data-tls'), tlsArgs(false));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('serves TLS clients that trust its CA: the TypeScript client (unary and watch) and the CLI', async () => {
    const client = connect({ endpoints: [server.addr], tls: { ca: await readFile(pem('ca.crt')) } });
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
    const flag = await kvstore(['get', 'k', '--addr', server.addr, '--cacert', pem('ca.crt')]);
    expect(flag.stdout.trim(), flag.stderr).toBe('v');
    expect(flag.stderr).toBe(''); // no warning either (no IP address sent as the TLS server name)
    const env = await kvstore(['get', 'k', '--addr', server.addr], {
      env: { KVSTORE_CACERT: pem('ca.crt') },
    });
    expect(env.stdout.trim(), env.stderr).toBe('v');
  });

  it('refuses plaintext, and a client that does not trust its certificate refuses it', async () => {
    const plain = connect({ endpoints: [server.addr], retry: { maxAttempts: 1 }, timeoutMs: 3000 });
    const untrusting = connect({
      endpoints: [server.addr],
      retry: { maxAttempts: 1 },
      tls: { ca: await readFile(pem('stranger-ca.crt')) },
    });
    try {
      expect(await refusedError(plain)).toBeInstanceOf(UnavailableError);
      const err = await refusedError(untrusting);
      expect(err).toBeInstanceOf(UnavailableError);
      expect(String((err as Error).message)).toMatch(/certificate/i);
    } finally {
      plain.close();
      untrusting.close();
    }
    const cli = await kvstore(['get', 'k', '--addr', server.addr, '--timeout', '3s']);
    expect(cli.code).toBe(3);
  });
});

describe('mTLS on grpc.listen (with API keys)', () => {
  let server: ServerProcess;
  let key: string;
  beforeAll(async () => {
    const created = await kvstore(['auth', 'key', 'create', 'ops', '--json']);
    const out = JSON.parse(created.stdout) as { key: string; line: string };
    key = out.key;
    execFileSync('sh', ['-c', `printf '%s\\n' '${out.line}' > keys.yaml`], { cwd: dir });
    server = await startServerProcess(join(dir, 'data-mtls'), [
      ...tlsArgs(true),
      '--security-api-keys-file',
      pem('keys.yaml'),
    ]);
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a client without a certificate or with one from another CA', async () => {
    const ca = await readFile(pem('ca.crt'));
    const noCert = connect({ endpoints: [server.addr], retry: { maxAttempts: 1 }, apiKey: key, tls: { ca } });
    const stranger = connect({
      endpoints: [server.addr],
      retry: { maxAttempts: 1 },
      apiKey: key,
      tls: { ca, cert: await readFile(pem('stranger.crt')), key: await readFile(pem('stranger.key')) },
    });
    try {
      expect(await refusedError(noCert)).toBeInstanceOf(UnavailableError);
      expect(await refusedError(stranger)).toBeInstanceOf(UnavailableError);
    } finally {
      noCert.close();
      stranger.close();
    }
  });

  it('serves a client certificate of its CA, still asking for the API key', async () => {
    const args = [
      '--addr',
      server.addr,
      '--cacert',
      pem('ca.crt'),
      '--cert',
      pem('client.crt'),
      '--key',
      pem('client.key'),
    ];
    const set = await kvstore(['set', 'm', 'ok', ...args], { env: { KVSTORE_API_KEY: key } });
    expect(set.code, set.stderr).toBe(0);
    const get = await kvstore(['get', 'm', ...args], { env: { KVSTORE_API_KEY: key } });
    expect(get.stdout.trim(), get.stderr).toBe('ok');
    const noKey = await kvstore(['get', 'm', ...args], { env: { KVSTORE_API_KEY: '' } });
    expect(noKey.stderr).toContain('no credentials');
    // grpc-js with the same files.
    const kv = new kvstoreV1.KV(
      server.addr,
      credentials.createSsl(
        await readFile(pem('ca.crt')),
        await readFile(pem('client.key')),
        await readFile(pem('client.crt')),
      ),
    );
    try {
      const md = new Metadata();
      md.set('authorization', `Bearer ${key}`);
      const res = await new Promise<{ code: number; value?: string }>((resolve) =>
        kv.Get({ key: 'm' }, md, (err, r) =>
          resolve(err ? { code: err.code } : { code: status.OK, value: r?.kv?.value?.toString() }),
        ),
      );
      expect(res).toEqual({ code: status.OK, value: 'ok' });
    } finally {
      kv.close();
    }
    const halfPair = await kvstore(['get', 'm', '--addr', server.addr, '--cert', pem('client.crt')]);
    expect(halfPair.code).toBe(2);
    expect(halfPair.stderr).toContain('--cert and --key go together');
  });

  it('a certificate without its key is a configuration error at start', async () => {
    const started = startServerProcess(join(dir, 'data-bad'), ['--grpc-tls-cert', pem('server.crt')]);
    await expect(started).rejects.toThrow(/grpc.tlsCert and grpc.tlsKey go together/);
  });
});
