import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeleteRangeResponse__Output } from '../../src/api/generated/kvstore/v1/DeleteRangeResponse.js';
import type { GetResponse__Output } from '../../src/api/generated/kvstore/v1/GetResponse.js';
import type { TxnResponse__Output } from '../../src/api/generated/kvstore/v1/TxnResponse.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';

// A write whose answer is too large to send must be refused before it is written: answering
// RESOURCE_EXHAUSTED after the commit would make a retrying client apply it twice.

let server: ServerProcess;
let api: ReturnType<typeof clients>;
const MiB = 1024 * 1024;

beforeAll(async () => {
  // The defaults: values up to 1 MiB, answers up to 4 MiB.
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-response-size-')));
  api = clients(server.addr);
  for (let i = 0; i < 8; i++) {
    const value = Buffer.alloc(MiB, 97 + i);
    await unaryCall((cb) => api.kv.Set({ key: `big/${i}`, value }, cb));
  }
});

afterAll(async () => {
  api.close();
  await server.stop();
});

const revision = async () =>
  (await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: 'big/0' }, cb))).header!.revision;

async function expectRefusedUnwritten(call: () => Promise<unknown>, request: RegExp): Promise<void> {
  const before = await revision();
  const err = (await call().then(
    () => null,
    (e: ServiceError) => e,
  )) as ServiceError | null;
  expect(err, 'the oversized answer must be refused').not.toBeNull();
  expect(status[err!.code]).toBe('RESOURCE_EXHAUSTED');
  expect(err!.details).toMatch(request);
  expect(err!.details).toMatch(
    /over the limit of 4194304 bytes \(limits\.maxResponseBytes\); nothing was written/,
  );
  expect(await revision()).toBe(before);
  for (let i = 0; i < 8; i++) {
    const got = await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: `big/${i}` }, cb));
    expect(got.found, `big/${i} must still exist`).toBe(true);
  }
}

describe('answers too large to send', () => {
  it('DeleteRange with prev_kv over 8 MiB of values is refused and deletes nothing', async () => {
    await expectRefusedUnwritten(
      () =>
        unaryCall<DeleteRangeResponse__Output>((cb) =>
          api.kv.DeleteRange({ prefix: 'big/', prev_kv: true }, cb),
        ),
      /^DeleteRange with prev_kv: the response would be at least \d+ bytes/,
    );
  });

  it('a Txn whose reads exceed the limit is refused and its writes are not applied', async () => {
    await expectRefusedUnwritten(
      () =>
        unaryCall<TxnResponse__Output>((cb) =>
          api.kv.Txn(
            {
              success: [
                { range: { prefix: 'big/' } },
                { set: { key: 'big/marker', value: Buffer.from('x') } },
                { delete: { key: 'big/7' } },
              ],
            },
            cb,
          ),
        ),
      /^Txn: the response would be at least \d+ bytes/,
    );
    const marker = await unaryCall<GetResponse__Output>((cb) => api.kv.Get({ key: 'big/marker' }, cb));
    expect(marker.found).toBe(false);
  });

  it('a Txn delete_range with prev_kv is measured too; without prev_kv its answer carries no values', async () => {
    await expectRefusedUnwritten(
      () =>
        unaryCall<TxnResponse__Output>((cb) =>
          api.kv.Txn({ success: [{ delete_range: { prefix: 'big/', prev_kv: true } }] }, cb),
        ),
      /^Txn: /,
    );
  });

  it('answers within the limit still go through, and keys_only reads are counted without values', async () => {
    const keysOnly = await unaryCall<TxnResponse__Output>((cb) =>
      api.kv.Txn(
        {
          success: [
            { range: { prefix: 'big/', keys_only: true } },
            { set: { key: 'small/1', value: Buffer.from('1') } },
          ],
        },
        cb,
      ),
    );
    expect(keysOnly.responses[0]!.range!.kvs.map((kv) => kv.key)).toHaveLength(8);
    const del = await unaryCall<DeleteRangeResponse__Output>((cb) =>
      api.kv.DeleteRange({ start: 'big/0', end: 'big/3', prev_kv: true }, cb),
    );
    expect(del.deleted).toBe(3);
    expect(del.prev_kvs.map((kv) => kv.value.length)).toEqual([MiB, MiB, MiB]);
    const rest = await unaryCall<DeleteRangeResponse__Output>((cb) =>
      api.kv.DeleteRange({ prefix: 'big/' }, cb),
    );
    expect(rest.deleted).toBe(5);
    expect(rest.prev_kvs).toEqual([]);
  });
});

describe('GetMany', () => {
  it('refuses an answer over the limit with the limit named, rather than failing to send it', async () => {
    const setup = clients(server.addr);
    try {
      for (let i = 0; i < 6; i++) {
        await unaryCall((cb) => setup.kv.Set({ key: `many/${i}`, value: Buffer.alloc(MiB, 120) }, cb));
      }
      const err = await unaryCall((cb) =>
        setup.kv.GetMany({ keys: Array.from({ length: 6 }, (_, i) => `many/${i}`) }, cb),
      ).then(
        () => null,
        (e: ServiceError) => e,
      );
      expect(err && status[err.code]).toBe('RESOURCE_EXHAUSTED');
      expect(err!.details).toMatch(/^GetMany: .*limits\.maxResponseBytes/);
    } finally {
      setup.close();
    }
  });
});
