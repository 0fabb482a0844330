import { type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListResponse__Output } from '../../src/api/generated/kvstore/v1/ListResponse.js';
import { MAX_PATTERN_GLOBSTARS } from '../../src/store/limits.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';
import { recordWatch } from '../helpers/watch-client.js';

/** The pattern of issue 10: 31 bytes that made the backtracking RegExp take seconds per 26-segment key. */
const CRAFTED = `${'**/'.repeat(10)}z`;
/** A 26-segment key that does not match it (no "z" segment), so a backtracking matcher tries every split. */
const adversarialKey = (i: number) => `${'abcdefghijklmnopqrstuvwxy'.split('').join('/')}/${i}`;

let server: ServerProcess;
let api: ReturnType<typeof clients>;

beforeAll(async () => {
  server = await startServerProcess(await suiteDir());
  api = clients(server.addr);
  const items = Array.from({ length: 200 }, (_, i) => ({ key: adversarialKey(i), value: Buffer.from('v') }));
  await unaryCall((cb) => api.kv.SetMany({ items }, cb));
  await unaryCall((cb) => api.kv.Set({ key: 'a/b/z', value: Buffer.from('match') }, cb));
});

afterAll(async () => {
  api?.close();
  await server?.stop();
});

describe('glob patterns cannot stall the server', () => {
  it('List with the crafted pattern over 200 adversarial keys answers, with the one match', async () => {
    const page = await unaryCall<ListResponse__Output>((cb) =>
      api.kv.List({ pattern: CRAFTED, count: true }, cb),
    );
    expect(page.kvs.map((kv) => kv.key)).toEqual(['a/b/z']);
    expect(Number(page.count)).toBe(1);
  });

  it('a Watch with the crafted pattern does not hold up other requests while writes are tested against it', async () => {
    const watch = recordWatch(api.kv, { pattern: CRAFTED });
    try {
      // The watch is registered once a write to a matching key reaches it.
      await unaryCall((cb) => api.kv.Set({ key: 'w/z', value: Buffer.from('1') }, cb));
      await watch.until((m) => m.events.some((e) => e.kv?.key === 'w/z'));

      const writes = Array.from({ length: 100 }, (_, i) =>
        unaryCall((cb) => api.kv.Set({ key: adversarialKey(1000 + i), value: Buffer.from('x') }, cb)),
      );
      let writesDone = false;
      const allWritten = Promise.all(writes).then(() => {
        writesDone = true;
      });
      // Reads are served from memory while the writes wait for their fsync; a server stuck matching would
      // serve neither (each of these writes took seconds of event loop before).
      let getsDuringWrites = 0;
      while (!writesDone) {
        await unaryCall((cb) => api.kv.Get({ key: 'a/b/z' }, cb));
        if (!writesDone) getsDuringWrites++;
      }
      await allWritten;
      await unaryCall((cb) => api.kv.Set({ key: 'end/z', value: Buffer.from('1') }, cb));
      await watch.until((m) => m.events.some((e) => e.kv?.key === 'end/z'));
      // Every adversarial write was tested against the watch and none of them matched.
      const seen = watch.messages.flatMap((m) => m.events.map((e) => e.kv!.key));
      expect(seen).toEqual(['w/z', 'end/z']);
      expect(getsDuringWrites).toBeGreaterThan(0);
    } finally {
      watch.cancel();
    }
  });

  it('refuses a pattern over the "**" bound with INVALID_ARGUMENT naming the field and the limit', async () => {
    const pattern = `${'**/'.repeat(MAX_PATTERN_GLOBSTARS + 1)}z`;
    const err = (await unaryCall((cb) => api.kv.List({ pattern }, cb)).catch((e) => e)) as ServiceError;
    expect(status[err.code]).toBe('INVALID_ARGUMENT');
    expect(err.details).toMatch(new RegExp(`^pattern: .*over the limit of ${MAX_PATTERN_GLOBSTARS}`));
  });
});
