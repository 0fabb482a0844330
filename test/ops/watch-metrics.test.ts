import { randomBytes } from 'node:crypto';
import { connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvstoreV1 } from '../../src/api/proto.js';
import { parseExposition, type Sample, sampleValue } from '../helpers/prometheus.js';
import { rawWatch } from '../helpers/raw-watch.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { SseClient } from '../helpers/sse-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { recordWatch } from '../helpers/watch-client.js';

// Watch streams and backups as /metrics shows them, scraped from a real server while real streams run.
const KiB = 1024;
let server: ServerProcess;
let api: ReturnType<typeof clients>;
const scrape = async (): Promise<Sample[]> =>
  parseExposition(await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text());

async function until(check: (s: Sample[]) => boolean, what: string, timeoutMs = 20_000): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape();
    if (check(samples)) return samples;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const streams = (s: Sample[], api: string, mode: string) =>
  sampleValue(s, 'kvstore_watch_streams', { api, mode });
const sent = (s: Sample[], api: string) => sampleValue(s, 'kvstore_watch_events_sent_total', { api });
/** Admin.Backup from revision 1 on a bare HTTP/2 session whose stream window is 0: nothing can be sent. */
function pausedBackup(addr: string): { close(): void } {
  const session = connect(`http://${addr}`, { settings: { initialWindowSize: 0 } });
  session.on('error', () => {});
  const stream = session.request({
    ':method': 'POST',
    ':path': '/kvstore.v1.Admin/Backup',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('error', () => {});
  const body = kvstoreV1.Admin.service.Backup.requestSerialize({ from_revision: 1 });
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  stream.end(frame);
  stream.pause();
  return { close: () => session.destroy() };
}

const set = (key: string, value: Buffer) => unaryCall((cb) => api.kv.Set({ key, value }, cb));

beforeAll(async () => {
  // 64 KiB per watcher: a client that stops reading is demoted to reading the log soon.
  server = await startServerProcess(await tempDir(), [
    '--data-durability',
    'relaxed',
    '--watch-max-buffered-bytes',
    '64KiB',
  ]);
  api = clients(server.addr);
});

afterAll(async () => {
  api.close();
  expect(await server.stop()).toBe(0);
});

describe('watch metrics on /metrics', () => {
  it('count live and catching-up streams per API, events sent, bytes held, demotions and backups', async () => {
    let samples = await scrape();
    expect(streams(samples, 'grpc', 'live')).toBe(0);
    expect(streams(samples, 'http', 'live')).toBe(0);
    expect(sent(samples, 'grpc')).toBe(0);
    expect(sampleValue(samples, 'kvstore_watch_demotions_total', { api: 'grpc' })).toBe(0);
    expect(sampleValue(samples, 'kvstore_backups_running')).toBe(0);

    // Two gRPC watchers and one SSE watcher, all reading: 5 events each.
    const a = recordWatch(api.kv, { prefix: 'w/' });
    const b = recordWatch(api.kv, { prefix: 'w/' });
    const sse = await SseClient.connect(`http://127.0.0.1:${server.httpPort}/v1/watch?prefix=w/`);
    const slow = rawWatch(server.addr, { prefix: 'big/' });
    try {
      await until((s) => streams(s, 'grpc', 'live') === 3 && streams(s, 'http', 'live') === 1, '4 watchers');
      for (let i = 0; i < 5; i++) await set(`w/${i}`, Buffer.from('v'));
      const events = (w: typeof a) => w.messages.flatMap((m) => m.events).length;
      await a.until(() => events(a) === 5);
      await b.until(() => events(b) === 5);
      await sse.until(() => sse.events.filter((e) => e.event === 'message').length === 5, 5_000, '5 changes');
      samples = await scrape();
      expect(sent(samples, 'grpc')).toBe(10);
      expect(sent(samples, 'http')).toBe(5);
      expect(sampleValue(samples, 'kvstore_watchers')).toBe(4);

      // The raw watcher reads nothing: 40 x 256 KiB fill its transport buffers, then its 64 KiB, and it
      // is demoted to reading the log (where it waits for the transport to drain).
      for (let i = 0; i < 40; i++) await set(`big/${i % 4}`, randomBytes(256 * KiB));
      samples = await until(
        (s) => (sampleValue(s, 'kvstore_watch_demotions_total', { api: 'grpc' }) ?? 0) >= 1,
        'a demotion',
      );
      expect(streams(samples, 'grpc', 'catchup')).toBe(1);
      expect(streams(samples, 'grpc', 'live')).toBe(2);
      const most = sampleValue(samples, 'kvstore_watch_buffered_bytes_max', { api: 'grpc' })!;
      expect(most).toBeGreaterThan(0);
      expect(sampleValue(samples, 'kvstore_watch_buffered_bytes', { api: 'grpc' })).toBeGreaterThanOrEqual(
        most,
      );
      expect(sampleValue(samples, 'kvstore_watch_lag_revisions')).toBeGreaterThan(0);

      // A backup to a client that takes nothing stays open (once over the server's buffers: gRPC holds 16
      // messages of 1 MiB, so 25 MiB more history, written where no watcher looks): one backup running
      // until the client goes away.
      for (let i = 0; i < 100; i++) await set(`bulk/${i % 4}`, randomBytes(256 * KiB));
      const backup = pausedBackup(server.addr);
      await until((s) => sampleValue(s, 'kvstore_backups_running') === 1, 'the backup to run');
      backup.close();
      await until((s) => sampleValue(s, 'kvstore_backups_running') === 0, 'the backup to end');

      // Reading again, the slow watcher catches up from the log and rejoins live; every event is counted
      // once, whether it went out live or was re-read after the demotion.
      slow.resume();
      await until((s) => streams(s, 'grpc', 'catchup') === 0, 'the slow watcher to catch up');
      const revisions = slow.messages.flatMap((m) => m.events.map((e) => e.kv!.mod_revision));
      expect(revisions).toEqual(Array.from({ length: 40 }, (_, i) => 6 + i));
      samples = await scrape();
      expect(streams(samples, 'grpc', 'live')).toBe(3);
      expect(sent(samples, 'grpc')).toBe(50);
    } finally {
      a.cancel();
      b.cancel();
      sse.close();
      slow.close();
    }
    await until(
      (s) => streams(s, 'grpc', 'live') === 0 && streams(s, 'http', 'live') === 0,
      'streams to close',
    );
  }, 60_000);
});
