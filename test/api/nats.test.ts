import { connect, type NatsConnection } from 'nats';
import { describe, expect, it } from 'vitest';
import type { SetResponse__Output } from '../../src/api/generated/kvstore/v1/SetResponse.js';
import type { StatusResponse__Output } from '../../src/api/generated/kvstore/v1/StatusResponse.js';
import { natsServer } from '../helpers/nats-server.js';
import { clients, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Every message of a stream: revision header and Nats-Msg-Id, in stream order. */
async function streamRevisions(nc: NatsConnection, stream: string): Promise<number[]> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const revisions: number[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq });
    revisions.push(Number(msg.header.get('Kvstore-Revision')));
  }
  return revisions;
}

async function status(api: ReturnType<typeof clients>): Promise<StatusResponse__Output> {
  return unaryCall<StatusResponse__Output>((cb) => api.admin.Status({}, cb));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('publishing to NATS', () => {
  it('puts 10,000 writes into JetStream exactly once, in order, across two NATS outages', async () => {
    const nats = await natsServer(await tempDir('kvstore-nats-'));
    await nats.start();
    const dataDir = await tempDir();
    const server = await startServerProcess(dataDir, ['--nats-url', nats.url, '--nats-stream', 'KVSTORE']);
    const api = clients(server.addr);
    const total = 10_000;
    let written = 0;
    const writer = (async () => {
      const inFlight = new Set<Promise<unknown>>();
      for (let i = 0; i < total; i++) {
        const p = unaryCall((cb) =>
          api.kv.Set({ key: `js/${i % 100}`, value: Buffer.from(String(i)) }, cb),
        ).then(() => {
          written++;
          inFlight.delete(p);
        });
        inFlight.add(p);
        if (inFlight.size >= 32) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    })();
    // Two outages while writing; the key-value API must keep answering through them.
    for (const at of [2500, 6000]) {
      await waitFor(async () => written >= at, 60_000, `${at} writes`);
      await nats.stop();
      const before = written;
      await waitFor(async () => written >= before + 500, 60_000, 'writes during the outage');
      const s = await status(api);
      expect(s.nats?.state).toBe('disconnected');
      await nats.start();
    }
    await writer;
    expect(written).toBe(total);

    await waitFor(
      async () => (await status(api)).nats?.lag_revisions === 0,
      60_000,
      'publishing to catch up',
    );
    const nc = await connect({ servers: nats.url });
    expect(await streamRevisions(nc, 'KVSTORE')).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await nc.close();

    // A restart of kvstore resumes from the stream's position: nothing twice.
    expect(await server.stop()).toBe(0);
    const again = await startServerProcess(dataDir, ['--nats-url', nats.url, '--nats-stream', 'KVSTORE']);
    const api2 = clients(again.addr);
    await unaryCall((cb) => api2.kv.Set({ key: 'js/after-restart', value: Buffer.from('x') }, cb));
    await waitFor(
      async () => (await status(api2)).nats?.lag_revisions === 0,
      30_000,
      'publishing after restart',
    );
    const nc2 = await connect({ servers: nats.url });
    expect(await streamRevisions(nc2, 'KVSTORE')).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
    await nc2.close();
    api.close();
    api2.close();
    await again.stop();
    await nats.stop();
  }, 240_000);

  it('publishes to plain subjects with headers and the raw value, and serves while NATS is down at start-up', async () => {
    const nats = await natsServer(await tempDir('kvstore-nats-'));
    const server = await startServerProcess(await tempDir(), ['--nats-url', nats.url]);
    const api = clients(server.addr);
    await unaryCall((cb) => api.kv.Set({ key: 'early/write', value: Buffer.from('before NATS') }, cb));
    expect((await status(api)).nats?.state).toBe('connecting');

    await nats.start();
    await waitFor(async () => (await status(api)).nats?.state === 'connected', 20_000, 'NATS connection');
    const nc = await connect({ servers: nats.url });
    const sub = nc.subscribe('kvstore.events.app.>');
    await nc.flush();
    await waitFor(async () => (await status(api)).nats?.lag_revisions === 0, 20_000, 'backlog published');
    const bin = Buffer.from([0, 255, 7]);
    const put = await unaryCall<SetResponse__Output>((cb) =>
      api.kv.Set({ key: 'app/conf ig', value: bin, ttl_ms: 60_000 }, cb),
    );
    await unaryCall((cb) => api.kv.Delete({ key: 'app/conf ig' }, cb));
    const received: {
      subject: string;
      data: Uint8Array;
      op: string;
      revision: string;
      key: string;
      expires?: string;
    }[] = [];
    for await (const m of sub) {
      received.push({
        subject: m.subject,
        data: m.data,
        op: m.headers!.get('Kvstore-Operation'),
        revision: m.headers!.get('Kvstore-Revision'),
        key: decodeURIComponent(m.headers!.get('Kvstore-Key')),
        expires: m.headers!.get('Kvstore-Expires-At') || undefined,
      });
      if (received.length === 2) break;
    }
    expect(received[0]).toMatchObject({
      subject: 'kvstore.events.app.conf%20ig',
      op: 'PUT',
      key: 'app/conf ig',
      revision: String(put.header!.revision),
    });
    expect(Buffer.from(received[0]!.data)).toEqual(bin);
    expect(Number(received[0]!.expires)).toBeGreaterThan(Date.now());
    expect(received[1]).toMatchObject({ op: 'DELETE', revision: String(put.header!.revision + 1) });
    expect(received[1]!.data.length).toBe(0);
    await nc.close();
    api.close();
    await server.stop();
    await nats.stop();
  }, 60_000);
});
