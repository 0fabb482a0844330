import { afterEach, describe, expect, it } from 'vitest';
import { connect, type KvClient, type WatchEvent } from '../../src/client/index.js';
import { type KvCluster, kvCluster } from '../helpers/kv-cluster.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp-dir.js';

// The TypeScript client against two kvstore nodes of one cluster (one JetStream log on one nats-server):
// when the node it talks to is killed, calls and the watch move to the other node.
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('TypeScript client on a cluster', () => {
  it('fails over to the other node: writes go on and the watch sees every revision once, in order', async () => {
    const nats: NatsServer = await natsServer(await tempDir('kvstore-nats-'));
    await nats.start();
    cleanup.push(() => nats.stop());
    const cluster: KvCluster = await kvCluster(nats.url, 'CLIENTFAILOVER', 2, 1);
    cleanup.push(() => cluster.stop());
    const endpoints = cluster.nodes.map((n) => n.server.addr);
    const open = (): KvClient => {
      const c = connect({ endpoints, retry: { initialMs: 10, maxMs: 200 }, timeoutMs: 10_000 });
      cleanup.push(() => c.close());
      return c;
    };
    const watcher = open();
    const writerClient = open();
    const first = (await watcher.status()).revision + 1;
    const events: WatchEvent[] = [];
    const watch = watcher.watch({ prefix: 'w/' });
    const ended = (async () => {
      for await (const e of watch) events.push(e);
    })().catch((err: unknown) => err);
    let running = true;
    let acked = 0;
    const writer = (async () => {
      for (let i = 0; running; i++) {
        try {
          await writerClient.set(`w/${i}`, String(i));
          acked++;
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    })();
    await waitFor('events through the first node', () => events.length >= 30);
    await cluster.nodes[0]!.server.stop('SIGKILL');
    const before = acked;
    await waitFor('writes through the second node', () => acked >= before + 30);
    running = false;
    await writer;
    expect(writerClient.endpoint).toBe(endpoints[1]);
    const last = (await watcher.status()).revision;
    expect(watcher.endpoint).toBe(endpoints[1]);
    await waitFor('the watch to catch up', () => (events.at(-1)?.revision ?? 0) >= last);
    watch.close();
    expect(await ended).toBeUndefined();
    const revisions = events.map((e) => e.revision);
    // Strictly increasing: no revision twice; and every revision up to the last status, none missing.
    expect(revisions.every((r, i) => i === 0 || r > revisions[i - 1]!)).toBe(true);
    expect(revisions.filter((r) => r <= last)).toEqual(
      Array.from({ length: last - first + 1 }, (_, i) => first + i),
    );
  }, 120_000);
});
