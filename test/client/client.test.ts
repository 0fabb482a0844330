import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompactedError,
  ConditionFailedError,
  compare,
  connect,
  InvalidArgumentError,
  type KvClient,
  op,
  UnavailableError,
} from '../../src/client/index.js';
import { deadPort } from '../helpers/ports.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

let server: ServerProcess;
let client: KvClient;

beforeAll(async () => {
  // The data directory outlives tempDir's afterEach: it is removed with the server in afterAll.
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-client-')));
  client = connect({ endpoints: [server.addr] });
});

afterAll(async () => {
  client?.close();
  await server?.stop();
});

describe('TypeScript client: calls', () => {
  it('sets, gets and deletes with typed results', async () => {
    const written = await client.set('c/a', 'one', { ttlMs: 60_000 });
    expect(written.kv).toMatchObject({ key: 'c/a', version: 1, modRevision: written.revision });
    expect(written.kv.expiresAt).toBeGreaterThan(Date.now());
    const got = await client.get('c/a');
    expect(got?.value.toString()).toBe('one');
    expect(got?.createRevision).toBe(written.revision);
    expect(await client.get('c/none')).toBeNull();
    expect(await client.delete('c/a')).toMatchObject({ deleted: true });
    expect(await client.delete('c/a')).toMatchObject({ deleted: false });
  });

  it('throws ConditionFailedError with the current revision and version of the key', async () => {
    const first = await client.set('c/cond', 'v1');
    await client.set('c/cond', 'v2');
    const err = await client.set('c/cond', 'v3', { ifModRevision: first.revision }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionFailedError);
    const failed = err as ConditionFailedError;
    expect(failed.code).toBe(9);
    expect(failed.codeName).toBe('FAILED_PRECONDITION');
    expect(failed.currentVersion).toBe(2);
    expect(failed.currentModRevision).toBe(first.revision + 1);
    const absent = await client.delete('c/none', { ifVersion: 3 }).catch((e: unknown) => e);
    expect(absent).toMatchObject({ currentModRevision: 0, currentVersion: 0 });
    expect(await client.set('c/cond', 'v3', { ifVersion: 2 })).toMatchObject({ kv: { version: 3 } });
    await expect(client.set('k', 'v', { ifAbsent: true, ifVersion: 1 })).rejects.toThrow(/at most one/);
  });

  it('throws InvalidArgumentError naming the field', async () => {
    const err = await client.set('', 'v').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toMatchObject({ code: 3, field: 'key', endpoint: server.addr });
  });

  it('lists page by page, and setMany/getMany/deleteMany/deleteRange', async () => {
    const items = Array.from({ length: 25 }, (_, i) => ({
      key: `l/${String(i).padStart(2, '0')}`,
      value: `v${i}`,
    }));
    const many = await client.setMany(items);
    expect(many.kvs.map((k) => k.modRevision)).toEqual(items.map(() => many.revision));
    const pages: string[][] = [];
    for await (const page of client.list({ prefix: 'l/' }, { pageSize: 10 }))
      pages.push(page.kvs.map((k) => k.key));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(items.map((i) => i.key));
    expect((await client.listAll({ start: 'l/05', end: 'l/08' })).map((k) => k.value.toString())).toEqual([
      'v5',
      'v6',
      'v7',
    ]);
    expect((await client.listAll({ pattern: 'l/*' }, { keysOnly: true }))[0]!.value.length).toBe(0);
    const got = await client.getMany(['l/00', 'l/nope', 'l/24']);
    expect(got.kvs.map((k) => k?.value.toString() ?? null)).toEqual(['v0', null, 'v24']);
    expect((await client.deleteMany(['l/00', 'l/nope'])).deleted).toEqual(['l/00']);
    const range = await client.deleteRange({ prefix: 'l/2' }, { prevKv: true });
    expect(range.deleted).toBe(5);
    expect(range.prevKvs.map((k) => k.key)).toEqual(['l/20', 'l/21', 'l/22', 'l/23', 'l/24']);
  });

  it('builds transactions', async () => {
    await client.set('t/a', '1');
    const ok = await client
      .txn()
      .if(compare.value('t/a', '=', '1'), compare.absent('t/b'))
      .onSuccess(op.set('t/b', '2'), op.get('t/a'), op.range({ prefix: 't/' }))
      .onFailure(op.get('t/b'))
      .commit();
    expect(ok.succeeded).toBe(true);
    expect(ok.results.map((r) => r.type)).toEqual(['set', 'get', 'range']);
    const range = ok.results[2]!;
    expect(range.type === 'range' && range.kvs.map((k) => k.key)).toEqual(['t/a', 't/b']);
    const no = await client
      .txn()
      .if(compare.version('t/b', '>', 5))
      .onSuccess(op.delete('t/a'))
      .onFailure(op.get('t/b'))
      .commit();
    expect(no.succeeded).toBe(false);
    const read = no.results[0]!;
    expect(read.type === 'get' && read.kv?.value.toString()).toBe('2');
  });

  it('reports status, hashes and takes a backup; a compacted backup start is a CompactedError', async () => {
    const status = await client.status();
    expect(status.revision).toBeGreaterThan(0);
    expect(status.backend).toMatch(/sqlite/);
    const hash = await client.hashKV();
    expect(hash.hash).toMatch(/^[0-9a-f]{64}$/);
    let progress = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of client.backup({ onProgress: (done) => (progress = done) })) chunks.push(chunk);
    expect(Buffer.concat(chunks).length).toBeGreaterThan(0);
    expect(progress).toBeGreaterThan(0);
    const head = (await client.status()).revision;
    await client.set('c/compact', 'x');
    await client.compact(head);
    const err = await (async () => {
      for await (const _ of client.backup({ fromRevision: 1 })) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompactedError);
    expect((err as CompactedError).compactRevision).toBe(head);
  });
});

describe('TypeScript client: endpoints and retries', () => {
  it('fails over from an endpoint that refuses connections, for reads and for writes never sent', async () => {
    const dead = `127.0.0.1:${await deadPort()}`;
    const c = connect({ endpoints: [dead, server.addr], retry: { initialMs: 1, maxMs: 5 } });
    try {
      // A write may be sent again: the dead endpoint never received it.
      expect((await c.set('f/a', 'x')).kv.version).toBe(1);
      expect(c.endpoint).toBe(server.addr);
      expect((await c.get('f/a'))?.value.toString()).toBe('x');
    } finally {
      c.close();
    }
  });

  it('ends with UnavailableError when no endpoint answers, after its attempts', async () => {
    const dead = `127.0.0.1:${await deadPort()}`;
    const c = connect({ endpoints: [dead], retry: { maxAttempts: 3, initialMs: 1, maxMs: 5 } });
    try {
      const err = await c.get('k').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect(err).toMatchObject({ code: 14, outcomeUnknown: false });
    } finally {
      c.close();
    }
  });

  it('can be imported as kvstore/client from the built package, with types', async () => {
    const pkg = JSON.parse(await (await import('node:fs/promises')).readFile('package.json', 'utf8')) as {
      main: string;
      exports: Record<string, { types: string; default: string }>;
    };
    const { existsSync } = await import('node:fs');
    expect(existsSync(pkg.main)).toBe(true);
    expect(existsSync(pkg.exports['./client']!.types)).toBe(true);
    // Resolved at run time through package.json's exports (the built package), as a user's import is; a
    // literal specifier would make the type-check need dist/ too.
    const specifier = 'kvstore/client';
    const mod = (await import(specifier)) as { connect: unknown };
    expect(typeof mod.connect).toBe('function');
  });
});
