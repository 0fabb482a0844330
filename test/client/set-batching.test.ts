import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, InvalidArgumentError, type KvClient } from '../../src/client/index.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

let server: ServerProcess;
let dataDir: string;
let batched: KvClient;
let plain: KvClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kvstore-batch-'));
  server = await startServerProcess(dataDir);
  batched = connect({ endpoints: [server.addr], batch: { maxItems: 64 } });
  plain = connect({ endpoints: [server.addr] });
});

afterAll(async () => {
  batched?.close();
  plain?.close();
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('TypeScript client: batched Sets', () => {
  it('coalesces concurrent Sets into shared revisions, each caller getting its own key back', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => batched.set(`b/${i}`, `v${i}`, { ttlMs: 60_000 })),
    );
    results.forEach((r, i) => {
      expect(r.kv.key).toBe(`b/${i}`);
      expect(r.kv.modRevision).toBe(r.revision);
      expect(r.kv.expiresAt).toBeGreaterThan(Date.now());
    });
    // 200 Sets in batches of at most 64: at least 4 revisions, far fewer than 200.
    const revisions = new Set(results.map((r) => r.revision));
    expect(revisions.size).toBeGreaterThanOrEqual(4);
    expect(revisions.size).toBeLessThan(50);
    const read = await plain.getMany(Array.from({ length: 200 }, (_, i) => `b/${i}`));
    for (const [i, kv] of read.kvs.entries()) expect(kv?.value.toString()).toBe(`v${i}`);
  });

  it('holds Sets issued while a batch is out and sends them together once it is answered', async () => {
    // The premise: the first Set is unanswered while the others are issued, one per turn of the event loop.
    // A durable write outlasts a few turns by far; should one not, the scenario is played again.
    for (let attempt = 0; attempt < 5; attempt++) {
      let firstAnswered = false;
      const first = batched.set(`held/${attempt}/0`, 'x').then((r) => {
        firstAnswered = true;
        return r;
      });
      const rest: ReturnType<KvClient['set']>[] = [];
      for (let i = 1; i <= 5; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        rest.push(batched.set(`held/${attempt}/${i}`, 'y'));
      }
      const premise = !firstAnswered;
      const [alone, ...held] = await Promise.all([first, ...rest]);
      if (!premise) continue;
      expect(new Set(held.map((r) => r.revision)).size).toBe(1);
      expect(held[0]!.revision).toBeGreaterThan(alone!.revision);
      return;
    }
    throw new Error('the first Set was answered within 5 turns of the event loop, 5 times out of 5');
  });

  it('keeps the order of Sets of one key: the last call wins, at a later revision', async () => {
    const calls = Array.from({ length: 10 }, (_, i) => batched.set('b/same', `n${i}`));
    const results = await Promise.all(calls);
    for (let i = 1; i < results.length; i++)
      expect(results[i]!.revision).toBeGreaterThan(results[i - 1]!.revision);
    expect((await plain.get('b/same'))?.value.toString()).toBe('n9');
    expect((await plain.get('b/same'))?.version).toBe(10);
  });

  it('gives a refused item its own error and writes the others of its batch', async () => {
    const results = await Promise.allSettled([
      batched.set('b/ok1', 'x'),
      batched.set('', 'empty key'),
      batched.set('b/ok2', 'y'),
    ]);
    expect(results[0]).toMatchObject({ status: 'fulfilled' });
    expect(results[2]).toMatchObject({ status: 'fulfilled' });
    expect(results[1]!.status).toBe('rejected');
    const err = (results[1] as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((await plain.get('b/ok1'))?.value.toString()).toBe('x');
    expect((await plain.get('b/ok2'))?.value.toString()).toBe('y');
  });

  it('sends a conditional Set on its own (its condition is its own)', async () => {
    const [a, b] = await Promise.all([
      batched.set('b/c1', 'one'),
      batched.set('b/c2', 'two', { ifAbsent: true }),
    ]);
    expect(b.revision).not.toBe(a.revision);
    await expect(batched.set('b/c2', 'again', { ifAbsent: true })).rejects.toMatchObject({
      codeName: 'FAILED_PRECONDITION',
    });
  });
});
