/**
 * Publish stall of an R3 JetStream stream when its leader is SIGKILLed (nats-server 2.9.10, 3 nodes on
 * loopback). One writer publishes as the JetStream backend does (msg id + expected last sequence, the same
 * message resent after a timeout) while the stream leader is killed; the stall is the time from the kill to
 * the next acknowledged publish. The killed node is restarted and caught up before the next kill.
 *
 *   npx tsx bench/nats-failover.ts [--kills 5] [--timeout-ms 1000] [--retry-ms 50] [--extra 'ping_interval: "1s"']
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connect, type JetStreamClient, type JetStreamManager, NatsError, StorageType } from 'nats';
import { type NatsCluster, natsCluster, waitFor } from '../test/helpers/nats-cluster.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '5' },
    'timeout-ms': { type: 'string', default: '1000' },
    extra: { type: 'string', default: '' },
    'retry-ms': { type: 'string', default: '50' },
  },
});
const kills = Number(values.kills);
const publishTimeoutMs = Number(values['timeout-ms']);
const STREAM = 'LOG';
const RETRY_DELAY_MS = Number(values['retry-ms']);

interface KillResult {
  readonly stallMs: number;
  readonly electionMs: number;
  readonly clientOnKilledNode: boolean;
  readonly retries: number;
  readonly wasMetaLeader: boolean;
}

/** A writer that keeps publishing until stopped; records each ack time. */
class Writer {
  last = 0;
  lastAckAt = 0;
  retries = 0;
  /** Why publishes failed (error code or message), counted. */
  readonly errors = new Map<string, number>();
  private n = 0;
  private stopped = false;
  constructor(private readonly js: JetStreamClient) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      const id = `m${this.n++}`;
      for (;;) {
        try {
          const ack = await this.js.publish(`${STREAM}.k`, id, {
            msgID: id,
            expect: { lastSequence: this.last },
          });
          this.last = ack.seq;
          this.lastAckAt = performance.now();
          break;
        } catch (e) {
          if (e instanceof NatsError && e.api_error?.err_code === 10071) throw e;
          this.retries++;
          const why = e instanceof NatsError ? (e.api_error?.description ?? e.code) : String(e);
          this.errors.set(why, (this.errors.get(why) ?? 0) + 1);
          // A client backs off before resending: no leader answers "no responders" at once.
          await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
        }
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

async function oneKill(cluster: NatsCluster, jsm: JetStreamManager, writer: Writer, serverName: string) {
  const leader = await cluster.streamLeader(STREAM);
  const metaLeader = await cluster.waitForMetaLeader();
  const retriesBefore = writer.retries;
  const killedAt = performance.now();
  await cluster.kill(leader);
  let electedAt = 0;
  const newLeader = cluster.streamLeader(STREAM, 30_000).then(() => {
    electedAt = performance.now();
  });
  await waitFor('an ack after the kill', 60_000, async () => writer.lastAckAt > killedAt, cluster.logTail);
  await newLeader;
  const result: KillResult = {
    stallMs: writer.lastAckAt - killedAt,
    electionMs: electedAt - killedAt,
    clientOnKilledNode: serverName === cluster.names[leader],
    retries: writer.retries - retriesBefore,
    wasMetaLeader: metaLeader === leader,
  };
  await cluster.restart(leader);
  await waitFor(
    'the restarted node to catch up',
    60_000,
    async () => {
      const r = (await jsm.streams.info(STREAM)).cluster?.replicas?.find(
        (x) => x.name === cluster.names[leader],
      );
      return r?.current === true && (r.lag ?? 0) === 0;
    },
    cluster.logTail,
  );
  return result;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nats-failover-'));
  const cluster = await natsCluster(dir, 3, { extraConfig: values.extra });
  try {
    await cluster.start();
    const nc = await connect({
      servers: cluster.url.split(','),
      reconnectTimeWait: 100,
      maxReconnectAttempts: -1,
    });
    const jsm = await nc.jetstreamManager({ timeout: 5_000, checkAPI: false });
    await jsm.streams.add({
      name: STREAM,
      subjects: [`${STREAM}.>`],
      num_replicas: 3,
      storage: StorageType.File,
    });
    const writer = new Writer(nc.jetstream({ timeout: publishTimeoutMs }));
    const running = writer.run();
    const results: KillResult[] = [];
    for (let k = 0; k < kills; k++) {
      await waitFor('writes before the kill', 10_000, async () => writer.last > 0);
      await new Promise((r) => setTimeout(r, 500)); // let the writer reach a steady rate
      results.push(await oneKill(cluster, jsm, writer, nc.info?.server_name ?? ''));
      const r = results.at(-1)!;
      console.log(
        `kill ${k + 1}: stall ${r.stallMs.toFixed(0)} ms, new leader seen after ${r.electionMs.toFixed(0)} ms, ` +
          `client on killed node ${r.clientOnKilledNode}, killed the meta leader too ${r.wasMetaLeader}, ` +
          `retries ${r.retries}`,
      );
    }
    writer.stop();
    await running;
    await nc.close();
    const stalls = results.map((r) => r.stallMs).sort((a, b) => a - b);
    const median = stalls[Math.floor(stalls.length / 2)]!;
    console.log(
      JSON.stringify({
        kills,
        publishTimeoutMs,
        extra: values.extra,
        medianStallMs: Math.round(median),
        stallsMs: stalls.map(Math.round),
        messages: writer.last,
        errors: Object.fromEntries(writer.errors),
      }),
    );
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
