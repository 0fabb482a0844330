import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdserverpb } from '../../src/api/etcd/proto.js';
import { connect, type KvClient, op } from '../../src/client/index.js';
import { authFiles } from '../helpers/auth-files.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 6: one structured line per write, admin call and refused call (time, principal, method,
 * keys or range, result, revision) in its own file, never a value or a secret.
 */
const SECRET_VALUE = 'value-that-must-never-be-audited';
let server: ServerProcess;
let auditFile: string;
const keys: Record<string, string> = {};
const clients: KvClient[] = [];
let lines: Record<string, unknown>[] = [];
let raw = '';

beforeAll(async () => {
  const dir = await suiteDir();
  auditFile = join(dir, 'audit.jsonl');
  const files = await authFiles(
    dir,
    [
      ['root', ['admin']],
      ['reader', ['app-reader']],
    ],
    'roles:\n  app-reader:\n    read: ["app/**"]\n',
  );
  Object.assign(keys, files.keys);
  server = await startServerProcess(join(dir, 'data'), [...files.flags, '--security-audit-file', auditFile]);
  const root = as('root');
  const reader = as('reader');
  const anonymous = connect({ endpoints: [server.addr] });
  clients.push(anonymous);
  const swallow = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      () => undefined,
    );
  await root.set('app/a', SECRET_VALUE);
  await root.txn().onSuccess(op.set('app/b', SECRET_VALUE), op.delete('app/a')).commit();
  await root.deleteRange({ prefix: 'tmp/' });
  await reader.get('app/b'); // a read that succeeds: not audited
  await swallow(reader.set('app/c', SECRET_VALUE));
  await swallow(reader.get('other/x'));
  await swallow(anonymous.get('app/b'));
  for await (const _ of root.backup()) {
  }
  await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/app/b`);
  const etcd = new etcdserverpb.KV(server.addr, credentials.createInsecure());
  const md = new Metadata();
  md.set('authorization', `Bearer ${keys.root}`);
  const put = etcd.Put as (r: object, m: Metadata, cb: (err: Error | null) => void) => void;
  await new Promise<void>((resolve, reject) =>
    put.call(etcd, { key: Buffer.from('app/e'), value: Buffer.from(SECRET_VALUE) }, md, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  etcd.close();
  // Stopping the server closes (flushes) the audit file.
  await server.stop();
  raw = await readFile(auditFile, 'utf8');
  lines = raw
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

function as(name: string): KvClient {
  const client = connect({ endpoints: [server.addr], apiKey: keys[name] });
  clients.push(client);
  return client;
}

describe('the audit log', () => {
  it('has one line per write with principal, keys, result and revision', () => {
    const set = lines.find((l) => l.method === 'Set' && l.principal === 'root');
    expect(set).toMatchObject({ keys: ['app/a'], result: 'OK', revision: expect.any(Number) });
    expect(new Date(String(set?.time)).getTime()).toBeGreaterThan(Date.now() - 120_000);
    expect(lines.find((l) => l.method === 'Txn')).toMatchObject({
      principal: 'root',
      keys: ['app/b', 'app/a'],
      result: 'OK',
    });
    expect(lines.find((l) => l.method === 'DeleteRange')).toMatchObject({
      range: 'prefix "tmp/"',
      result: 'OK',
    });
    expect(lines.find((l) => l.method === 'etcd.Put')).toMatchObject({ keys: ['app/e'], result: 'OK' });
    expect(lines.find((l) => l.method === 'Backup')).toMatchObject({ principal: 'root', result: 'OK' });
  });

  it('has one line per refused call: permission, authentication (gRPC and HTTP)', () => {
    expect(lines.find((l) => l.method === 'Set' && l.principal === 'reader')).toMatchObject({
      keys: ['app/c'],
      result: 'PERMISSION_DENIED',
      reason: 'principal "reader" may not write key "app/c"',
    });
    expect(lines.find((l) => l.method === 'Get')).toMatchObject({
      principal: 'reader',
      keys: ['other/x'],
      result: 'PERMISSION_DENIED',
    });
    expect(lines.find((l) => l.method === '/kvstore.v1.KV/Get')).toMatchObject({
      principal: '',
      result: 'UNAUTHENTICATED',
    });
    expect(lines.find((l) => l.method === 'GET /v1/kv/app/b')).toMatchObject({ result: 'UNAUTHENTICATED' });
    // A read that was allowed is not a line.
    expect(lines.filter((l) => l.method === 'Get')).toHaveLength(1);
  });

  it('never holds a value or a credential, and only its owner may read it', async () => {
    expect(raw).not.toContain(SECRET_VALUE);
    for (const key of Object.values(keys)) expect(raw).not.toContain(key);
    expect((await stat(auditFile)).mode & 0o777).toBe(0o600);
  });
});
