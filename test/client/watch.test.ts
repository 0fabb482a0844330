import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompactedError,
  connect,
  type KvClient,
  type WatchEvent,
  watchObservable,
} from '../../src/client/index.js';
import { deadPort } from '../helpers/ports.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function track(server: ServerProcess): ServerProcess {
  cleanup.push(() => server.stop('SIGKILL'));
  return server;
}

function client(endpoints: string[]): KvClient {
  const c = connect({ endpoints, retry: { initialMs: 10, maxMs: 200 } });
  cleanup.push(() => c.close());
  return c;
}

/** Polls `condition` until it holds (never a fixed sleep), failing after `timeoutMs`. */
async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes w/0, w/1, ... until stopped; failed writes (the server is down) are skipped, not resent. */
function startWriter(endpoints: string[]): { stop(): Promise<void>; acked: () => number } {
  const c = client(endpoints);
  let running = true;
  let acked = 0;
  const done = (async () => {
    for (let i = 0; running; i++) {
      try {
        await c.set(`w/${i}`, `value-${i}`, { timeoutMs: 2000 });
        acked++;
      } catch {
        // Down, restarting or failing over: the watch must still see exactly what landed.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
    acked: () => acked,
  };
}

/** Collects a watch's events into `events` in the background. */
function collect(iterable: AsyncIterable<WatchEvent>, events: WatchEvent[]): Promise<unknown> {
  return (async () => {
    for await (const e of iterable) events.push(e);
  })().catch((err: unknown) => err);
}

/** Every revision from `first` to `last` exactly once, in order (the writer is the only one writing). */
function expectEveryRevisionOnce(events: readonly WatchEvent[], first: number, last: number): void {
  const revisions = events.map((e) => e.revision);
  const expected = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  expect(revisions.length).toBe(expected.length);
  expect(revisions).toEqual(expected);
}

describe('TypeScript client: resumable watch', () => {
  it('rides out a SIGKILL and a SIGTERM restart while a writer runs: every revision once, in order', async () => {
    const dataDir = await tempDir();
    let server = track(await startServerProcess(dataDir));
    const addr = server.addr;
    const watcher = client([addr]);
    const reconnects: string[] = [];
    const first = (await watcher.status()).revision + 1;
    const watch = watcher.watch(
      { prefix: 'w/' },
      { onReconnect: ({ resumeRevision }) => reconnects.push(String(resumeRevision)) },
    );
    const events: WatchEvent[] = [];
    const ended = collect(watch, events);
    const writer = startWriter([addr]);
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const before = events.length;
      await waitFor('events before the restart', () => events.length >= before + 50);
      await server.stop(signal);
      server = track(await startServerProcess(dataDir, ['--grpc-listen', addr]));
      const acked = writer.acked();
      await waitFor('writes after the restart', () => writer.acked() >= acked + 50);
    }
    await writer.stop();
    const last = (await watcher.status()).revision;
    await waitFor('the watch to catch up', () => (events.at(-1)?.revision ?? 0) >= last);
    watch.close();
    expect(await ended).toBeUndefined();
    expect(reconnects.length).toBeGreaterThanOrEqual(2);
    expectEveryRevisionOnce(events, first, last);
    expect(events.every((e) => e.type === 'put' && e.kv.value.toString() === `value-${e.key.slice(2)}`)).toBe(
      true,
    );
  });

  it('fails over to another endpoint serving the same log, as an rxjs Observable, with no gap or repeat', async () => {
    const dataDir = await tempDir();
    const a = track(await startServerProcess(dataDir));
    const bAddr = `127.0.0.1:${await deadPort()}`;
    const endpoints = [a.addr, bAddr];
    const watcher = client(endpoints);
    const first = (await watcher.status()).revision + 1;
    const events: WatchEvent[] = [];
    let failed: unknown;
    const subscription = watchObservable(watcher, { prefix: 'w/' }).subscribe({
      next: (e) => events.push(e),
      error: (err: unknown) => {
        failed = err;
      },
    });
    cleanup.push(() => subscription.unsubscribe());
    const writer = startWriter(endpoints);
    await waitFor('events from A', () => events.length >= 50);
    await a.stop('SIGKILL');
    // The standby takes over the same data on its own address.
    track(await startServerProcess(dataDir, ['--grpc-listen', bAddr]));
    const acked = writer.acked();
    await waitFor('writes through B', () => writer.acked() >= acked + 50);
    await writer.stop();
    const last = (await watcher.status()).revision;
    expect(watcher.endpoint).toBe(bAddr);
    await waitFor('the watch to catch up on B', () => (events.at(-1)?.revision ?? 0) >= last);
    subscription.unsubscribe();
    expect(failed).toBeUndefined();
    expectEveryRevisionOnce(events, first, last);
  });

  it('ends quietly when the client is closed or the signal aborts', async () => {
    const server = track(await startServerProcess(await tempDir()));
    const c = connect({ endpoints: [server.addr] });
    const first: WatchEvent[] = [];
    const closing = collect(c.watch({ prefix: 'q/' }, { startRevision: 1 }), first);
    const abort = new AbortController();
    const second: WatchEvent[] = [];
    const aborting = collect(c.watch({ prefix: 'q/' }, { startRevision: 1, signal: abort.signal }), second);
    await c.set('q/1', 'x');
    await waitFor('both watches to see the write', () => first.length === 1 && second.length === 1);
    abort.abort();
    expect(await aborting).toBeUndefined();
    c.close();
    expect(await closing).toBeUndefined();
  });

  it('replays from a start revision, and ends with CompactedError carrying the compact revision', async () => {
    const server = track(await startServerProcess(await tempDir()));
    const c = client([server.addr]);
    for (let i = 0; i < 5; i++) await c.set(`h/${i}`, String(i));
    const replayed = await firstValueFrom(
      watchObservable(c, { prefix: 'h/' }, { startRevision: 2 }).pipe(take(4), toArray()),
    );
    expect(replayed.map((e) => `${e.key}@${e.revision}`)).toEqual(['h/1@2', 'h/2@3', 'h/3@4', 'h/4@5']);
    await c.compact(4);
    const events: WatchEvent[] = [];
    const err = await collect(c.watch({ prefix: 'h/' }, { startRevision: 2 }), events);
    expect(err).toBeInstanceOf(CompactedError);
    expect((err as CompactedError).compactRevision).toBe(4);
    expect(events).toEqual([]);
  });
});
