import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { CLIENT_EXT, makeCa, makeLeaf, SERVER_EXT } from '../helpers/certs.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 2: TLS and mTLS on the HTTP listeners (admin and the JSON API's own), and certificates
 * reloaded when their files change, on gRPC and HTTPS alike, without a restart: a test replaces the
 * files (key first, so the server also sees a certificate beside the wrong key for a moment) and new
 * connections get the new certificate.
 */
let dir: string;
const file = (name: string) => join(dir, name);
const pem = (name: string) => readFile(file(name));

beforeAll(async () => {
  dir = await suiteDir('kvstore-tls-reload-');
  makeCa(dir, 'ca');
  makeLeaf(dir, 'server-a', 'ca', SERVER_EXT);
  makeLeaf(dir, 'server-b', 'ca', SERVER_EXT);
  makeLeaf(dir, 'client', 'ca', CLIENT_EXT, 'svc-a');
  makeCa(dir, 'stranger-ca');
  makeLeaf(dir, 'stranger', 'stranger-ca', CLIENT_EXT);
  await writeFile(file('live.crt'), await pem('server-a.crt'));
  await writeFile(file('live.key'), await pem('server-a.key'));
}, 30_000);

/** The subject CN of the certificate a new TLS connection to `port` is shown. */
async function servedCn(port: number, alpn?: string): Promise<string> {
  const ca = await pem('ca.crt');
  const cert = await pem('client.crt');
  const key = await pem('client.key');
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        host: '127.0.0.1',
        port,
        ca,
        cert,
        key,
        servername: 'localhost',
        ...(alpn ? { ALPNProtocols: [alpn] } : {}),
      },
      () => {
        const cn = socket.getPeerCertificate().subject.CN;
        socket.destroy();
        resolve(String(Array.isArray(cn) ? cn[0] : cn));
      },
    );
    socket.on('error', reject);
  });
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GET over HTTPS trusting the test CA, with a client certificate when `cert` names one. */
async function httpsGet(
  port: number,
  path: string,
  cert?: string,
): Promise<{ status: number; body: string } | { error: string }> {
  const ca = await pem('ca.crt');
  const identity = cert ? { cert: await pem(`${cert}.crt`), key: await pem(`${cert}.key`) } : {};
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false, ...identity },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (err) => resolve({ error: err.message }));
    req.end();
  });
}

describe('TLS files reloaded without a restart', () => {
  let server: ServerProcess;
  let apiPort: number;
  beforeAll(async () => {
    server = await startServerProcess(file('data'), [
      '--grpc-tls-cert',
      file('live.crt'),
      '--grpc-tls-key',
      file('live.key'),
      '--http-tls-cert',
      file('live.crt'),
      '--http-tls-key',
      file('live.key'),
      '--http-api',
      '127.0.0.1:0',
      '--security-tls-reload-interval',
      '100ms',
    ]);
    const serving = server.logs.find((l) => l.msg === 'kvstore is serving');
    apiPort = Number(String(serving?.httpApi).split(':').at(-1));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('gRPC, the admin listener and the JSON API listener serve the new certificate to new connections', async () => {
    expect(await servedCn(server.port, 'h2')).toBe('server-a');
    expect(await servedCn(server.httpPort)).toBe('server-a');
    expect(await servedCn(apiPort)).toBe('server-a');
    expect(await httpsGet(server.httpPort, '/healthz')).toEqual({ status: 200, body: 'ok\n' });

    // Key first: for a moment the files hold server-b's key beside server-a's certificate.
    await writeFile(file('live.key'), await pem('server-b.key'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await servedCn(server.port, 'h2')).toBe('server-a'); // the half-rotated pair is not used
    await writeFile(file('live.crt'), await pem('server-b.crt'));

    await until('gRPC to serve server-b', async () => (await servedCn(server.port, 'h2')) === 'server-b');
    await until('HTTPS to serve server-b', async () => (await servedCn(server.httpPort)) === 'server-b');
    await until('the API listener to serve server-b', async () => (await servedCn(apiPort)) === 'server-b');
    expect(server.process.exitCode).toBeNull();
    expect(server.logs.some((l) => l.msg === 'grpc TLS certificate reloaded')).toBe(true);
    expect(server.logs.some((l) => l.msg === 'http TLS certificate reloaded')).toBe(true);
    expect(server.logs.some((l) => String(l.msg).includes('cannot be used yet'))).toBe(true);

    // Clients carry on: a new client over the new certificate, HTTPS requests on both listeners.
    const client = connect({ endpoints: [server.addr], tls: { ca: await pem('ca.crt') } });
    try {
      await client.set('after', 'reload');
      expect((await client.get('after'))?.value.toString()).toBe('reload');
    } finally {
      client.close();
    }
    const got = await httpsGet(apiPort, '/v1/kv/after?raw=true');
    expect(got).toEqual({ status: 200, body: 'reload' });
  }, 60_000);
});

describe('mTLS on the HTTP listener', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(file('data-mtls'), [
      '--http-tls-cert',
      file('server-a.crt'),
      '--http-tls-key',
      file('server-a.key'),
      '--http-tls-client-ca',
      file('ca.crt'),
      '--security-client-cert-roles',
      'svc-a=admin',
    ]);
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a client without a certificate of its CA; serves /v1 to the certificate principal', async () => {
    expect(await httpsGet(server.httpPort, '/healthz')).toHaveProperty('error');
    expect(await httpsGet(server.httpPort, '/healthz', 'stranger')).toHaveProperty('error');
    expect(await httpsGet(server.httpPort, '/healthz', 'client')).toEqual({ status: 200, body: 'ok\n' });
    const put = await new Promise<number>((resolve, reject) => {
      Promise.all([pem('ca.crt'), pem('client.crt'), pem('client.key')]).then(([ca, cert, key]) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: server.httpPort,
            path: '/v1/kv/m',
            method: 'PUT',
            ca,
            cert,
            key,
            servername: 'localhost',
            agent: false,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end('by-cert');
      }, reject);
    });
    expect(put).toBe(200);
    expect(await httpsGet(server.httpPort, '/v1/kv/m?raw=true', 'client')).toEqual({
      status: 200,
      body: 'by-cert',
    });
  }, 30_000);

  it('a certificate without its key, or beside the wrong key, stops the start naming the settings', async () => {
    await expect(
      startServerProcess(file('data-bad'), ['--http-tls-cert', file('server-a.crt')]),
    ).rejects.toThrow(/http.tlsCert and http.tlsKey go together/);
    await expect(
      startServerProcess(file('data-bad'), [
        '--http-tls-cert',
        file('server-a.crt'),
        '--http-tls-key',
        file('server-b.key'),
      ]),
    ).rejects.toThrow(/http.tlsCert \/ http.tlsKey: .*key values mismatch/);
  }, 30_000);
});
