import { describe, expect, it } from 'vitest';
import { type EventLog, LogUnavailableError, type ReadOptions } from '../../src/log/event-log.js';
import type { LogRecord } from '../../src/log/events.js';
import { KvStore } from '../../src/store/kv-store.js';
import type { WatchBatch } from '../../src/streams/watch-batch.js';
import { WatchHub } from '../../src/streams/watch-hub.js';
import type { WatchEnd, WatchStream } from '../../src/streams/watch-source.js';
import { tempDir } from '../helpers/temp-dir.js';

/*
 * A watch catching up through a log that cannot be read for a while (a JetStream stream electing a leader,
 * a PostgreSQL restart): it waits and reads again from where it stopped, so the client sees every revision
 * once, in order, and its watch is not ended. A real SQLite store; its reads fail on cue, mid-page.
 */

/** Makes the log's reads fail `failures` times, each after `after` records of the read were delivered. */
function failingReads(log: EventLog, plan: { failures: number; after: number }): EventLog {
  async function* read(from: number, options?: ReadOptions): AsyncIterable<LogRecord> {
    let delivered = 0;
    for await (const record of log.read(from, options)) {
      if (plan.failures > 0 && delivered === plan.after) {
        plan.failures--;
        throw new LogUnavailableError('the stream has no leader (injected)');
      }
      delivered++;
      yield record;
    }
  }
  return new Proxy(log, {
    get(target, property) {
      if (property === 'read') return read;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('a watch whose catch-up read fails for a while', () => {
  it('reads again from where it stopped: every revision once, in order, the watch still open', async () => {
    const plan = { failures: 0, after: 0 };
    const store = await KvStore.open({
      dataDir: await tempDir('kvstore-watch-retry-'),
      durability: 'relaxed',
      wrapLog: (log) => failingReads(log, plan),
    });
    const hub = new WatchHub(
      store,
      (batch: WatchBatch) => Buffer.from(JSON.stringify(batch.events.map((e) => e.revision))),
      {
        maxBufferedEvents: 10_000,
        maxBufferedBytes: 1 << 20,
        maxBufferedBytesTotal: 64 << 20,
        progressIntervalMs: 0,
        pageSize: 16,
      },
    );
    try {
      for (let i = 0; i < 60; i++) await store.set(`k/${i}`, Buffer.from(`v${i}`));
      // Three failures, each after 5 records of a page were read: mid-page, mid-message.
      plan.failures = 3;
      plan.after = 5;
      const seen: number[] = [];
      let ended: WatchEnd | undefined | null = null;
      const stream: WatchStream = {
        write: (message) => {
          seen.push(...(JSON.parse(message.toString()) as number[]));
          return true;
        },
        bufferedBytes: () => 0,
        onceDrained: (listener) => listener(),
        end: (reason) => {
          ended = reason;
        },
      };
      hub.watch(
        stream,
        { selector: { kind: 'prefix', prefix: 'k/' }, noPut: false, noDelete: false, prevKv: false },
        1,
      );
      await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(60);
      expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(plan.failures).toBe(0);
      expect(hub.stats().logReadRetries).toBe(3);
      expect(ended).toBeNull();
      // Live afterwards.
      await store.set('k/live', Buffer.from('x'));
      await expect.poll(() => seen.at(-1)).toBe(61);
    } finally {
      hub.close();
      await store.close();
    }
  });
});
