import {
  connect,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  NatsError,
  StorageType,
} from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { type NatsCluster, natsCluster, waitFor } from '../helpers/nats-cluster.js';
import { natsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const STREAM = 'LOG';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startCluster(): Promise<NatsCluster> {
  for (let attempt = 1; ; attempt++) {
    const cluster = await natsCluster(await tempDir('nats-cluster-'));
    cleanups.push(() => cluster.stop());
    try {
      await cluster.start();
      return cluster;
    } catch (err) {
      // A port found free was taken by another test before nats-server bound it: new ports, new cluster.
      if (attempt >= 3 || !String(err).includes('address already in use')) throw err;
      await cluster.stop();
    }
  }
}

async function client(
  url: string,
): Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> {
  const nc = await connect({ servers: url.split(','), reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  cleanups.push(() => nc.close());
  return { nc, js: nc.jetstream({ timeout: 1_000 }), jsm: await nc.jetstreamManager({ timeout: 5_000 }) };
}

function addStream(jsm: JetStreamManager, replicas: number) {
  return jsm.streams.add({
    name: STREAM,
    subjects: [`${STREAM}.>`],
    num_replicas: replicas,
    storage: StorageType.File,
  });
}

/** The JetStream API error code of a failed publish, or undefined for a timeout or a lost connection. */
function apiCode(e: unknown): number | undefined {
  return e instanceof NatsError ? e.api_error?.err_code : undefined;
}

/** Reads every message of the stream: sequence -> payload. */
async function readAll(jsm: JetStreamManager): Promise<Map<number, string>> {
  const info = await jsm.streams.info(STREAM);
  const out = new Map<number, string>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(STREAM, { seq });
    out.set(seq, new TextDecoder().decode(m.data));
  }
  return out;
}

describe('3-node nats-server cluster (JetStream R3)', () => {
  it('keeps every acknowledged publish exactly once across a SIGKILL of the stream leader', async () => {
    const cluster = await startCluster();
    const { js, jsm } = await client(cluster.url);
    await addStream(jsm, 3);
    const killed = await cluster.streamLeader(STREAM);

    const acked = new Map<string, number>(); // msg id -> sequence
    let last = 0;
    let killedAt = -1;
    let killing: Promise<void> | undefined;
    for (let i = 0; acked.size < 300; i++) {
      const id = `m${i}`;
      for (;;) {
        try {
          // Same id and same expectation on every retry: a lost ack comes back as a duplicate (fact (a)).
          const ack = await js.publish(`${STREAM}.k`, id, { msgID: id, expect: { lastSequence: last } });
          acked.set(id, ack.seq);
          last = ack.seq;
          break;
        } catch (e) {
          if (apiCode(e) === 10071) throw new Error(`${id}: wrong last sequence with a single writer: ${e}`);
          // Timeout, no responders, lost connection: the outcome is unknown, retry the same message.
        }
      }
      if (acked.size === 100 && !killing) {
        killedAt = last;
        // SIGKILL once the next publish is on its way, so that one's ack may be lost.
        killing = new Promise((r) => setImmediate(r)).then(() => cluster.kill(killed));
      }
    }

    await killing;
    expect(killedAt).toBe(100);
    const leader = await cluster.streamLeader(STREAM);
    expect(leader).not.toBe(killed);
    const stored = await readAll(jsm);
    expect([...stored.values()]).toEqual([...acked.keys()]);
    for (const [id, seq] of acked) expect(stored.get(seq)).toBe(id);

    // The killed node comes back with the same store and catches up.
    await cluster.restart(killed);
    let replicas = '';
    const caughtUp = async () => {
      const info = await jsm.streams.info(STREAM);
      replicas = JSON.stringify(info.cluster?.replicas);
      const replica = info.cluster?.replicas?.find((r) => r.name === cluster.names[killed]);
      // The server omits `lag` when it is 0.
      return replica?.current === true && (replica.lag ?? 0) === 0;
    };
    await waitFor('the restarted node to catch up', 20_000, caughtUp, () => `replicas: ${replicas}`);
  });

  it('answers a resent publish (stored Nats-Msg-Id, stale expected sequence) as a duplicate (fact a)', async () => {
    const cluster = await startCluster();
    const { js, jsm } = await client(cluster.url);
    await addStream(jsm, 3);
    const first = await js.publish(`${STREAM}.a`, 'one', { msgID: 'id-1', expect: { lastSequence: 0 } });
    await js.publish(`${STREAM}.b`, 'two', { msgID: 'id-2', expect: { lastSequence: 1 } });

    const again = await js.publish(`${STREAM}.a`, 'one', { msgID: 'id-1', expect: { lastSequence: 0 } });
    expect(again).toMatchObject({ duplicate: true, seq: first.seq });
    // A new id with the same stale expectation is refused with 10071.
    const refused = await js
      .publish(`${STREAM}.a`, 'x', { msgID: 'id-3', expect: { lastSequence: 0 } })
      .then(() => undefined, apiCode);
    expect(refused).toBe(10071);
    expect((await jsm.streams.info(STREAM)).state.messages).toBe(2);
  });

  // Pins 2.9.10 behaviour the backend must work around: purge({ seq: N }) past the end moves first_seq to N and
  // the next stored message gets N, but the leader's expected-last-sequence check still counts from the old end.
  it('R3: after purge({ seq: N }) the first publish fails with 10077, then sequences start at N (fact b)', async () => {
    const cluster = await startCluster();
    const { js, jsm } = await client(cluster.url);
    await addStream(jsm, 3);
    await purgeTo(jsm, 1_000);
    expect(await publishCode(js, 999)).toBe('10071 wrong last sequence: 0');
    expect(await publishCode(js)).toBe('10077 expected sequence does not match store');
    expect(await publishCode(js)).toBe('seq 1000');
    expect(await publishCode(js, 1_000)).toBe('seq 1001');
    expect((await jsm.streams.info(STREAM)).state).toMatchObject({ first_seq: 1_000, last_seq: 1_001 });
  });

  it('R1 on one server: after purge({ seq: N }) sequences start at N but the expected-sequence check is off (fact c)', async () => {
    const server = await natsServer(await tempDir('nats-single-'));
    cleanups.push(() => server.stop());
    await server.start();
    const { js, jsm } = await client(server.url);
    await addStream(jsm, 1);
    await purgeTo(jsm, 1_000);
    expect(await publishCode(js, 999)).toBe('10071 wrong last sequence: 0');
    expect(await publishCode(js)).toBe('seq 1000');
    expect(await publishCode(js, 1_000)).toBe('10071 wrong last sequence: 1');
    expect((await jsm.streams.info(STREAM)).state).toMatchObject({ first_seq: 1_000, last_seq: 1_000 });
    // A server restart reloads the stream and the check agrees with last_seq again.
    await server.stop();
    await server.start();
    const again = await client(server.url);
    expect(await publishCode(again.js, 1_000)).toBe('seq 1001');
  });
});

async function purgeTo(jsm: JetStreamManager, n: number): Promise<void> {
  await jsm.streams.purge(STREAM, { seq: n });
  const s = (await jsm.streams.info(STREAM)).state;
  expect({ first: s.first_seq, last: s.last_seq, messages: s.messages }).toEqual({
    first: n,
    last: n - 1,
    messages: 0,
  });
}

/** Publishes one message (expecting `lastSequence` if given): 'seq N' or 'CODE description'. */
async function publishCode(js: JetStreamClient, lastSequence?: number): Promise<string> {
  const opts = lastSequence === undefined ? {} : { expect: { lastSequence } };
  try {
    return `seq ${(await js.publish(`${STREAM}.k`, 'v', opts)).seq}`;
  } catch (e) {
    if (!(e instanceof NatsError) || !e.api_error) throw e;
    return `${e.api_error.err_code} ${e.api_error.description}`;
  }
}
