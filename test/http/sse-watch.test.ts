import { afterEach, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { SseClient } from '../helpers/sse-client.js';
import { tempDir } from '../helpers/temp-dir.js';

const running: ServerProcess[] = [];
const streams: SseClient[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  for (const s of running.splice(0)) await s.stop();
});

async function start(dir: string, args: string[] = []): Promise<{ server: ServerProcess; base: string }> {
  const server = await startServerProcess(dir, args);
  running.push(server);
  return { server, base: `http://127.0.0.1:${server.httpPort}` };
}

async function watch(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.connect(url, headers);
  streams.push(client);
  return client;
}

async function put(base: string, key: string, value: string | Uint8Array): Promise<number> {
  const res = await fetch(`${base}/v1/kv/${key}`, { method: 'PUT', body: value });
  expect(res.status).toBe(200);
  return ((await res.json()) as { header: { revision: number } }).header.revision;
}

describe('watch over Server-Sent Events', () => {
  it('resumes after a server restart from Last-Event-ID with no gap and no duplicate; heartbeats keep it alive', async () => {
    const dir = await tempDir('kvstore-sse-');
    const a = await start(dir, ['--http-sse-heartbeat', '1s']);
    const first = await watch(`${a.base}/v1/watch?prefix=sse/`);
    expect(first.status).toBe(200);
    expect(first.contentType).toMatch(/^text\/event-stream/);
    // From now: a progress event names the revision the watch starts after, so even a reconnect before
    // any change resumes without a gap.
    const opening = await first.next();
    expect(opening).toMatchObject({ event: 'progress', id: '0' });

    const written: number[] = [];
    for (let i = 1; i <= 5; i++) {
      written.push(await put(a.base, `sse/${i}`, `v${i}`));
      await put(a.base, `other/${i}`, 'not watched');
    }
    for (let i = 1; i <= 5; i++) {
      const change = await first.nextChange();
      expect(change.id).toBe(String(written[i - 1]));
      expect(change.revision).toBe(written[i - 1]);
      expect(change.events).toEqual([
        {
          type: 'PUT',
          kv: expect.objectContaining({ key: `sse/${i}`, value: `v${i}`, mod_revision: written[i - 1] }),
        },
      ]);
    }
    // An idle stream gets heartbeat comments.
    await first.until(() => first.comments.includes('heartbeat'), 3_000, 'a heartbeat');

    // Shutdown ends the stream with a reason (the browser's EventSource would reconnect by itself).
    expect(await a.server.stop()).toBe(0);
    const end = await first.until(() => first.events.find((e) => e.event === 'end'), 5_000, 'the end event');
    expect(JSON.parse(end.data)).toMatchObject({ code: 'UNAVAILABLE' });
    await first.until(() => first.ended, 5_000, 'the stream to end');
    const resumeAfter = first.lastEventId!;
    expect(Number(resumeAfter)).toBeGreaterThanOrEqual(written[4]!);

    // Writes made while the watcher was away are delivered after the reconnect, once each, in order.
    const b = await start(dir);
    const missed: number[] = [];
    for (let i = 6; i <= 8; i++) missed.push(await put(b.base, `sse/${i}`, `v${i}`));
    const second = await watch(`${b.base}/v1/watch?prefix=sse/`, { 'last-event-id': resumeAfter });
    const after: { key: string; revision: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const change = await second.nextChange();
      after.push({ key: change.events[0]!.kv.key, revision: change.revision });
    }
    expect(after).toEqual([6, 7, 8].map((i, n) => ({ key: `sse/${i}`, revision: missed[n] })));
    const live = await put(b.base, 'sse/9', 'v9');
    const next = await second.nextChange();
    expect(next).toMatchObject({ id: String(live), revision: live });
    expect(next.events[0]!.kv.key).toBe('sse/9');
  });

  it('resumes mid-stream from Last-Event-ID (header or last_event_id query) at the next revision', async () => {
    const { base } = await start(await tempDir('kvstore-sse-'));
    const revs: number[] = [];
    for (let i = 0; i < 6; i++) revs.push(await put(base, `mid/${i}`, `${i}`));
    const header = await watch(`${base}/v1/watch?prefix=mid/`, { 'last-event-id': String(revs[2]) });
    expect((await header.nextChange()).revision).toBe(revs[3]);
    const query = await watch(`${base}/v1/watch?prefix=mid/&last_event_id=${revs[4]}`);
    expect((await query.nextChange()).revision).toBe(revs[5]);
    const from = await watch(`${base}/v1/watch?key=mid/1&from_revision=1`);
    expect((await from.nextChange()).revision).toBe(revs[1]);
  });

  it('sends deletes, prev_kv and binary values (base64) in its events', async () => {
    const { base } = await start(await tempDir('kvstore-sse-'));
    const stream = await watch(`${base}/v1/watch?prefix=ev/&prev_kv=true`);
    await stream.next(); // the opening progress event
    await put(base, 'ev/a', 'one');
    await put(base, 'ev/a', new Uint8Array([0xff, 0x01]));
    await fetch(`${base}/v1/kv/ev/a`, { method: 'DELETE' });
    const created = await stream.nextChange();
    expect(created.events[0]).toMatchObject({ type: 'PUT', kv: { value: 'one' } });
    expect(created.events[0]!.prev_kv).toBeUndefined();
    const binary = await stream.nextChange();
    expect(binary.events[0]).toMatchObject({
      type: 'PUT',
      kv: { value: '/wE=', encoding: 'base64', version: 2 },
      prev_kv: { value: 'one' },
    });
    const deleted = await stream.nextChange();
    expect(deleted.events[0]).toMatchObject({
      type: 'DELETE',
      kv: { key: 'ev/a' },
      prev_kv: { value: '/wE=' },
    });
  });

  it('says in an event when the start revision was compacted; refuses a malformed watch with 400 before streaming', async () => {
    const { base } = await start(await tempDir('kvstore-sse-'));
    for (let i = 0; i < 3; i++) await put(base, `c/${i}`, 'x');
    const compact = await fetch(`${base}/v1/compact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ revision: 3 }),
    });
    expect(compact.status).toBe(200);
    const stream = await watch(`${base}/v1/watch?prefix=c/&from_revision=1`);
    expect(stream.status).toBe(200);
    const event = await stream.next();
    expect(event.event).toBe('compacted');
    expect(JSON.parse(event.data)).toMatchObject({
      code: 'OUT_OF_RANGE',
      compact_revision: 3,
      details: { 'compact-revision': '3' },
    });
    await stream.until(() => stream.ended, 5_000, 'the stream to end');

    const bad = await watch(`${base}/v1/watch?key=a&prefix=b`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.comments[0]!)).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { field: 'key' },
    });
    const badId = await watch(`${base}/v1/watch?prefix=c/`, { 'last-event-id': 'abc' });
    expect(badId.status).toBe(400);
  });
});
