import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as natsConnect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type KvClient } from '../../src/client/index.js';
import { subjectKey } from '../../src/streams/nats/subjects.js';
import { authFiles } from '../helpers/auth-files.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 5 (NATS part): a namespace's changes are published under the subject root of its prefix
 * (prefixes end in "/", so they are whole subject tokens), and the tokens after that root are the tenant's
 * own key. A NATS user allowed only that root (nats-server permissions) receives its tenant's changes,
 * with its keys, and none of another tenant's.
 */
let dir: string;
let nats: NatsServer;
let server: ServerProcess;
const clients: KvClient[] = [];
const keys: Record<string, string> = {};

const ROLES = `
namespaces:
  acme: {prefix: tenants/acme/}
  globex: {}
roles:
  acme-rw: {namespace: acme, read: ["**"], write: ["**"]}
  globex-rw: {namespace: globex, read: ["**"], write: ["**"]}
`;

const NATS_USERS = `authorization {
  users = [
    { user: kvstore, password: kv-secret }
    { user: acme, password: acme-secret, permissions: { subscribe: ["kvstore.events.tenants.acme.>", "_INBOX.>"] } }
  ]
}`;

beforeAll(async () => {
  dir = await suiteDir('kvstore-ns-nats-');
  nats = await natsServer(join(dir, 'js'), NATS_USERS);
  await nats.start();
  await writeFile(join(dir, 'nats-password'), 'kv-secret\n');
  const files = await authFiles(
    dir,
    [
      ['acme', ['acme-rw']],
      ['globex', ['globex-rw']],
    ],
    ROLES,
  );
  Object.assign(keys, files.keys);
  server = await startServerProcess(join(dir, 'data'), [
    ...files.flags,
    '--nats-url',
    nats.url,
    '--nats-user',
    'kvstore',
    '--nats-password-file',
    join(dir, 'nats-password'),
    '--nats-required',
    'true',
  ]);
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
  await nats?.stop();
});

function as(name: string): KvClient {
  const client = connect({ endpoints: [server.addr], apiKey: keys[name] });
  clients.push(client);
  return client;
}

describe('NATS subjects of a namespace', () => {
  it("carry the tenant's key after the namespace's root; a tenant's NATS user gets only its own", async () => {
    const tenant = await natsConnect({ servers: nats.url, user: 'acme', pass: 'acme-secret' });
    try {
      const root = 'kvstore.events.tenants.acme';
      const sub = tenant.subscribe(`${root}.>`);
      await tenant.flush();
      await as('globex').set('orders/1', 'globex');
      await as('acme').set('orders/1', 'acme');
      await as('acme').set('orders/2', 'acme');
      const seen: { subject: string; key: string | undefined; value: string }[] = [];
      for await (const msg of sub) {
        seen.push({ subject: msg.subject, key: subjectKey(root, msg.subject), value: msg.string() });
        if (seen.length === 2) break;
      }
      expect(seen).toEqual([
        { subject: `${root}.orders.1`, key: 'orders/1', value: 'acme' },
        { subject: `${root}.orders.2`, key: 'orders/2', value: 'acme' },
      ]);
    } finally {
      await tenant.close();
    }
  });
});
