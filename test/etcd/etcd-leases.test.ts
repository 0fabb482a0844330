import {
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { connect } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { etcdPackageDefinition } from '../../src/api/etcd/proto.js';
import type { StatusResponse__Output } from '../../src/api/generated/kvstore/v1/StatusResponse.js';
import type { WatchResponse__Output } from '../../src/api/generated/kvstore/v1/WatchResponse.js';
import { natsServer } from '../helpers/nats-server.js';
import {
  clients as kvClients,
  type ServerProcess,
  startServerProcess,
  unaryCall,
} from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';
import { recordWatch } from '../helpers/watch-client.js';
import { etcdctl, etcdctlWatch } from './etcd-process.js';

/*
 * etcd leases on a real `bin/kvstore serve`: a revoke and an expiry delete the lease's keys in one
 * revision that `etcdctl watch` sees; a lease and its keys survive SIGTERM and kill -9, and come back with
 * their full TTL (etcd's rule on a leader change, docs/etcd.md); Grant with a given ID and etcd's errors.
 * The etcdctl output against a real etcd 3.4: etcdctl.test.ts.
 */

type Unary = (request: object, callback: (err: ServiceError | null, response: never) => void) => void;
type Client = Record<string, Unary> & { close(): void };

const pkg = (loadPackageDefinition(etcdPackageDefinition) as unknown as { etcdserverpb: GrpcObject })
  .etcdserverpb as unknown as Record<string, ServiceClientConstructor>;

function call<T>(client: Client, method: string, request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method]!.call(client, request, (err, response) => (err ? reject(err) : resolve(response as T)));
  });
}

const servers: ServerProcess[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
});

async function serve(dataDir: string): Promise<{ server: ServerProcess; endpoint: string }> {
  const server = await startServerProcess(dataDir, ['--expiry-sweep-interval', '50ms']);
  servers.push(server);
  return { server, endpoint: server.addr };
}

async function grant(endpoint: string, ttl: number): Promise<string> {
  const r = await etcdctl(endpoint, ['lease', 'grant', String(ttl)]);
  const id = /^lease ([0-9a-f]+) granted/m.exec(r.stdout)?.[1];
  if (id === undefined) throw new Error(`lease grant failed: ${r.stdout}${r.stderr}`);
  return id;
}

/** TimeToLive as etcdctl prints it in JSON: remaining and granted TTL, and the keys. */
async function timeToLive(
  endpoint: string,
  id: string,
): Promise<{ TTL: number; grantedTTL: number; keys: string[] }> {
  const r = await etcdctl(endpoint, ['lease', 'timetolive', id, '--keys', '-w', 'json']);
  const json = JSON.parse(r.stdout) as { ttl: number; 'granted-ttl': number; keys: string[] | null };
  return {
    TTL: json.ttl,
    grantedTTL: json['granted-ttl'],
    keys: (json.keys ?? []).map((k) => Buffer.from(k, 'base64').toString()).sort(),
  };
}

interface WatchJson {
  Events: { kv: { key: string; mod_revision: number }; type?: number }[] | null;
}

/** The DELETE events an `etcdctl watch -w json` printed, as [key, mod_revision]. */
function deletes(output: string): [string, number][] {
  const out: [string, number][] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    for (const e of (JSON.parse(line) as WatchJson).Events ?? []) {
      // etcd's JSON leaves type out for PUT (0); DELETE is 1.
      if (e.type === 1) out.push([Buffer.from(e.kv.key, 'base64').toString(), e.kv.mod_revision]);
    }
  }
  return out;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('etcd leases on a kvstore server', () => {
  it('revoke and expiry delete the attached keys in one revision that etcdctl watch sees', async () => {
    const { endpoint } = await serve(await suiteDir());
    const revoked = await grant(endpoint, 60);
    await etcdctl(endpoint, ['put', `--lease=${revoked}`, 'r/1', 'v']);
    await etcdctl(endpoint, ['put', `--lease=${revoked}`, 'r/2', 'v']);
    const plain = await etcdctl(endpoint, ['put', 'r/3', 'no lease', '-w', 'json']);
    const from = (JSON.parse(plain.stdout) as { header: { revision: number } }).header.revision + 1;
    const short = await grant(endpoint, 5);
    for (const key of ['e/1', 'e/2', 'e/3']) {
      expect((await etcdctl(endpoint, ['put', `--lease=${short}`, key, 'v'])).stdout).toBe('OK\n');
    }
    // From a revision: the watch sees what follows however late etcdctl gets it started.
    const watch = etcdctlWatch(endpoint, ['--prefix', '', '-w', 'json', `--rev=${from}`]);
    // kvstore.v1's Watch tells an expiry (EXPIRE) from a delete (DELETE).
    const api = kvClients(endpoint);
    const native = recordWatch(api.kv, { prefix: '', start_revision: from });
    try {
      // The short lease expires by itself (5 s); the other is revoked meanwhile.
      expect((await etcdctl(endpoint, ['lease', 'revoke', revoked])).stdout).toBe(
        `lease ${revoked} revoked\n`,
      );
      const seen = await waitFor('five deletes', async () => {
        const d = deletes(watch.output());
        return d.length >= 5 ? d : undefined;
      });
      const byKey = new Map(seen);
      expect([...byKey.keys()].sort()).toEqual(['e/1', 'e/2', 'e/3', 'r/1', 'r/2']);
      // One revision per lease: the revoke's, and the expiry's.
      expect(byKey.get('r/1')).toBe(byKey.get('r/2'));
      expect(byKey.get('e/1')).toBe(byKey.get('e/2'));
      expect(byKey.get('e/2')).toBe(byKey.get('e/3'));
      expect(byKey.get('e/1')).not.toBe(byKey.get('r/1'));
      const ends = (m: WatchResponse__Output) => m.events.filter((e) => e.type !== 'PUT');
      await native.until(() => native.messages.flatMap(ends).length >= 5);
      const kvEvents = native.messages
        .flatMap(ends)
        .map((e) => `${e.type} ${e.kv!.key} @${e.kv!.mod_revision}`);
      expect(kvEvents.sort()).toEqual(
        [
          `DELETE r/1 @${byKey.get('r/1')}`,
          `DELETE r/2 @${byKey.get('r/1')}`,
          `EXPIRE e/1 @${byKey.get('e/1')}`,
          `EXPIRE e/2 @${byKey.get('e/1')}`,
          `EXPIRE e/3 @${byKey.get('e/1')}`,
        ].sort(),
      );
    } finally {
      native.cancel();
      api.close();
      await watch.stop();
    }
    expect((await etcdctl(endpoint, ['get', '', '--prefix', '--keys-only'])).stdout).toBe('r/3\n\n');
    expect((await etcdctl(endpoint, ['lease', 'list'])).stdout).toBe('found 0 leases\n');
  }, 60_000);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`a lease and its keys survive ${signal} of the server, with their full TTL again`, async () => {
      const dataDir = await suiteDir();
      let { server, endpoint } = await serve(dataDir);
      const id = await grant(endpoint, 8);
      await etcdctl(endpoint, ['put', `--lease=${id}`, 'k/1', 'a']);
      await etcdctl(endpoint, ['put', `--lease=${id}`, 'k/2', 'b']);
      // Let a few seconds of the TTL pass, so that a restart keeping the old deadline would show it.
      await waitFor('the TTL to run down', async () =>
        (await timeToLive(endpoint, id)).TTL <= 5 ? true : undefined,
      );
      await server.stop(signal);
      servers.splice(servers.indexOf(server), 1);
      ({ server, endpoint } = await serve(dataDir));
      const after = await timeToLive(endpoint, id);
      expect(after.keys).toEqual(['k/1', 'k/2']);
      expect(after.grantedTTL).toBe(8);
      expect(after.TTL).toBeGreaterThanOrEqual(6);
      const got = JSON.parse((await etcdctl(endpoint, ['get', 'k/1', '-w', 'json'])).stdout) as {
        kvs: { lease: number }[];
      };
      expect(got.kvs[0]!.lease).toBe(Number.parseInt(id, 16));
      // Without keep-alives the lease then expires on the restarted server, its keys with it.
      await waitFor('the lease to expire', async () => {
        const r = await etcdctl(endpoint, ['get', 'k', '--prefix', '--keys-only']);
        return r.code === 0 && r.stdout === '' ? true : undefined;
      });
      expect((await etcdctl(endpoint, ['lease', 'list'])).stdout).toBe('found 0 leases\n');
    }, 60_000);
  }

  it('publishes a revoke to NATS as the deletes of one revision, and steps over records without key events', async () => {
    const nats = await natsServer(await suiteDir());
    await nats.start();
    try {
      const server = await startServerProcess(await suiteDir(), [
        '--nats-url',
        nats.url,
        '--nats-stream',
        'LEASES',
      ]);
      servers.push(server);
      const admin = kvClients(server.addr);
      try {
        const id = await grant(server.addr, 60);
        await etcdctl(server.addr, ['put', `--lease=${id}`, 'n/1', 'a']);
        await etcdctl(server.addr, ['put', `--lease=${id}`, 'n/2', 'b']);
        await etcdctl(server.addr, ['lease', 'revoke', id]);
        // The newest record holds no key event: publishing must still reach it.
        await grant(server.addr, 60);
        await waitFor('publishing to catch up', async () => {
          const s = await unaryCall<StatusResponse__Output>((cb) => admin.admin.Status({}, cb));
          return s.nats?.state === 'connected' && s.nats.lag_revisions === 0 ? true : undefined;
        });
      } finally {
        admin.close();
      }
      const nc = await connect({ servers: nats.url });
      try {
        const jsm = await nc.jetstreamManager();
        const info = await jsm.streams.info('LEASES');
        const seen: string[] = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
          const msg = await jsm.streams.getMessage('LEASES', { seq });
          const h = (name: string) => msg.header.get(name);
          seen.push(
            `${h('Kvstore-Operation')} ${decodeURIComponent(h('Kvstore-Key'))} @${h('Kvstore-Revision')}`,
          );
        }
        // Revision 1 is the grant (no message); the revoke's two deletes share revision 4.
        expect(seen).toEqual(['PUT n/1 @2', 'PUT n/2 @3', 'DELETE n/1 @4', 'DELETE n/2 @4']);
      } finally {
        await nc.close();
      }
    } finally {
      await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')));
      await nats.stop();
    }
  }, 60_000);

  it("grants a given ID once; answers etcd's errors for a taken ID, a TTL too large and an unknown lease", async () => {
    const { server } = await serve(await suiteDir());
    const lease = new pkg.Lease!(server.addr, credentials.createInsecure()) as unknown as Client;
    const kv = new pkg.KV!(server.addr, credentials.createInsecure()) as unknown as Client;
    clients.push(lease, kv);
    const granted = await call<{ ID: number; TTL: number }>(lease, 'LeaseGrant', { ID: 4242, TTL: 1 });
    expect(granted).toMatchObject({ ID: 4242, TTL: 2 });
    await expect(call(lease, 'LeaseGrant', { ID: 4242, TTL: 10 })).rejects.toMatchObject({
      code: 9,
      details: 'etcdserver: lease already exists',
    });
    await expect(call(lease, 'LeaseGrant', { ID: 1, TTL: 9_000_000_001 })).rejects.toMatchObject({
      code: 11,
      details: 'etcdserver: too large lease TTL',
    });
    await expect(call(lease, 'LeaseRevoke', { ID: 77 })).rejects.toMatchObject({
      code: 5,
      details: 'etcdserver: requested lease not found',
    });
    await expect(
      call(kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('v'), lease: 77 }),
    ).rejects.toMatchObject({
      code: 5,
      details: 'etcdserver: requested lease not found',
    });
    // ignore_lease keeps the key's lease; a missing key is refused as etcd does.
    await call(kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('v'), lease: 4242 });
    await call(kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('w'), ignore_lease: true });
    const got = await call<{ kvs: { lease: number; value: Buffer }[] }>(kv, 'Range', {
      key: Buffer.from('k'),
    });
    expect(got.kvs[0]!.lease).toBe(4242);
    expect(got.kvs[0]!.value.toString()).toBe('w');
    await call(kv, 'Put', { key: Buffer.from('k'), value: Buffer.from('x') });
    const detached = await call<{ kvs: { lease: number }[] }>(kv, 'Range', { key: Buffer.from('k') });
    expect(detached.kvs[0]!.lease).toBe(0);
    await expect(call(kv, 'Put', { key: Buffer.from('nope'), ignore_lease: true })).rejects.toMatchObject({
      code: 3,
      details: 'etcdserver: key not found',
    });
  }, 30_000);
});
