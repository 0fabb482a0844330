import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials, Metadata, Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authInterceptor } from '../../src/api/grpc/auth-interceptor.js';
import { kvstoreV1 } from '../../src/api/proto.js';
import { connect } from '../../src/client/index.js';
import { ApiKeyAuthenticator, createApiKey } from '../../src/security/api-keys.js';
import { ClientCertPrincipals, parseClientCertRoles } from '../../src/security/client-cert.js';
import { CredentialGate } from '../../src/security/credential-gate.js';
import type { Authenticator, Principal } from '../../src/security/principal.js';
import { CLIENT_EXT, makeCa, makeLeaf, SERVER_EXT } from '../helpers/certs.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 3 (client certificates): with mTLS and security.clientCertRoles, a verified client
 * certificate's subject CN is the principal (via client-cert), its roles from the mapping; a bearer
 * credential sent with it wins. Certificates are made here with openssl.
 */
let dir: string;
const pem = (name: string) => readFile(join(dir, name));

beforeAll(async () => {
  dir = await suiteDir('kvstore-client-cert-');
  makeCa(dir, 'ca');
  makeLeaf(dir, 'server', 'ca', SERVER_EXT);
  makeLeaf(dir, 'svc', 'ca', CLIENT_EXT, 'svc-a');
  makeLeaf(dir, 'other', 'ca', CLIENT_EXT, 'batch-7');
}, 30_000);

describe('security.clientCertRoles', () => {
  it('reads a file mapping and the flag form; * covers other CNs', () => {
    expect(parseClientCertRoles({ 'svc-a': ['readwrite'], '*': 'readonly' })).toEqual(
      new Map([
        ['svc-a', ['readwrite']],
        ['*', ['readonly']],
      ]),
    );
    expect(parseClientCertRoles('svc-a=readwrite,admin; *=readonly')).toEqual(
      new Map([
        ['svc-a', ['readwrite', 'admin']],
        ['*', ['readonly']],
      ]),
    );
    expect(parseClientCertRoles('no-equals-sign')).toBeNull();
    expect(parseClientCertRoles([1])).toBeNull();
    const principals = new ClientCertPrincipals(new Map([['svc-a', ['readwrite']]]));
    expect(principals.principal('stranger')).toEqual({ name: 'stranger', roles: [], via: 'client-cert' });
    expect(principals.principal('svc-a')).toBe(principals.principal('svc-a'));
  });
});

describe('the gate reads the CN of the verified certificate of the call', () => {
  let server: Server;
  let port: number;
  const seen: Principal[] = [];
  const key = createApiKey('ops', ['admin']);

  beforeAll(async () => {
    const gate = new CredentialGate({
      apiKeys: new ApiKeyAuthenticator([key.entry]),
      jwt: null,
      clientCerts: new ClientCertPrincipals(
        new Map([
          ['svc-a', ['readwrite']],
          ['*', ['readonly']],
        ]),
      ),
    });
    const recording: Authenticator = {
      authenticate(authorization, peer) {
        const principal = gate.authenticate(authorization, peer);
        seen.push(principal);
        return principal;
      },
    };
    server = new Server({ interceptors: [authInterceptor(recording)] });
    server.addService(kvstoreV1.KV.service, {
      Get: (_call: unknown, done: (err: null, res: object) => void) => done(null, {}),
    });
    const creds = ServerCredentials.createSsl(
      await pem('ca.crt'),
      [{ cert_chain: await pem('server.crt'), private_key: await pem('server.key') }],
      true,
    );
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
  });
  afterAll(() => {
    server?.forceShutdown();
  });

  async function get(cert: string, md = new Metadata()): Promise<number> {
    const client = new kvstoreV1.KV(
      `127.0.0.1:${port}`,
      credentials.createSsl(await pem('ca.crt'), await pem(`${cert}.key`), await pem(`${cert}.crt`)),
    );
    try {
      return await new Promise<number>((resolve) =>
        client.Get({ key: 'k' }, md, (err: ServiceError | null) => resolve(err ? err.code : status.OK)),
      );
    } finally {
      client.close();
    }
  }

  it('the CN is the principal, with its mapped roles, or the * roles', async () => {
    seen.length = 0;
    expect(await get('svc')).toBe(status.OK);
    expect(await get('other')).toBe(status.OK);
    expect(seen).toEqual([
      { name: 'svc-a', roles: ['readwrite'], via: 'client-cert' },
      { name: 'batch-7', roles: ['readonly'], via: 'client-cert' },
    ]);
  });

  it('a bearer credential sent beside the certificate names the principal', async () => {
    seen.length = 0;
    const md = new Metadata();
    md.set('authorization', `Bearer ${key.key}`);
    expect(await get('svc', md)).toBe(status.OK);
    expect(seen).toEqual([{ name: 'ops', roles: ['admin'], via: 'api-key' }]);
    const wrong = new Metadata();
    wrong.set('authorization', 'Bearer kvs_wrong');
    expect(await get('svc', wrong)).toBe(status.UNAUTHENTICATED);
  });
});

describe('a server with mTLS and security.clientCertRoles', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess(join(dir, 'data'), [
      '--grpc-tls-cert',
      join(dir, 'server.crt'),
      '--grpc-tls-key',
      join(dir, 'server.key'),
      '--grpc-tls-client-ca',
      join(dir, 'ca.crt'),
      '--security-client-cert-roles',
      'svc-a=readwrite',
    ]);
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('serves a client by its certificate alone; the plaintext /v1 (no certificate) asks for credentials', async () => {
    const client = connect({
      endpoints: [server.addr],
      tls: { ca: await pem('ca.crt'), cert: await pem('svc.crt'), key: await pem('svc.key') },
    });
    try {
      await client.set('c', 'by-cert');
      expect((await client.get('c'))?.value.toString()).toBe('by-cert');
    } finally {
      client.close();
    }
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/c`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /^no credentials: present a client certificate/,
    );
  }, 30_000);
});
