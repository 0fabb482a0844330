import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

let server: ServerProcess;
let run: (args: string[], input?: string) => ReturnType<typeof kvstore>;

beforeAll(async () => {
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-cli-txn-')));
  run = (args, input) => kvstore(args, { env: { KVSTORE_ADDR: server.addr }, input });
});

afterAll(async () => {
  await server.stop();
});

describe('kvstore CLI: conditions, transactions, ranges and patterns', () => {
  it('set --if-* exits 4 with the current mod_revision on stderr when the condition fails', async () => {
    const first = await run(['set', 'leader', 'n1', '--if-absent']);
    expect(first.code).toBe(0);
    const revision = Number(/revision (\d+)/.exec(first.stdout)![1]);
    const again = await run(['set', 'leader', 'n2', '--if-absent']);
    expect(again.code).toBe(4);
    expect(again.stderr).toBe(
      `kvstore: key "leader": condition absent does not hold (current mod_revision ${revision}, version 1)\n`,
    );
    expect((await run(['set', 'leader', 'n2', '--if-mod-revision', String(revision)])).code).toBe(0);
    expect((await run(['set', 'leader', 'n3', '--if-version', '1'])).code).toBe(4);
    expect((await run(['del', 'leader', '--if-value', 'n1'])).code).toBe(4);
    expect((await run(['get', 'leader'])).stdout).toBe('n2');
    expect((await run(['set', 'x', 'y', '--if-absent', '--if-version', '1'])).code).toBe(2);
  });

  it('runs a transaction from stdin, exiting 0 when the compares held and 4 when not', async () => {
    const script = 'if version(lock) == 0\nthen\nset lock me\nget lock\nelse\nget lock\n';
    const won = await run(['txn'], script);
    expect(won.code).toBe(0);
    expect(won.stdout).toMatch(/^SUCCEEDED revision \d+\nset lock\nlock\tme\n$/);
    const lost = await run(['txn'], script);
    expect(lost.code).toBe(4);
    expect(lost.stdout).toMatch(/^FAILED revision \d+\nlock\tme\n$/);
    const json = await run(
      ['txn', '--json'],
      JSON.stringify({
        compare: [{ target: 'value', key: 'lock', op: '==', operand: 'me' }],
        success: [{ op: 'del', key: 'lock' }],
      }),
    );
    expect(JSON.parse(json.stdout)).toMatchObject({ succeeded: true, results: [{ deleted: true }] });
    const bad = await run(['txn'], 'if versio(lock) == 0\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kvstore: txn: line 1: /);
  });

  it('deletes by prefix and lists by pattern', async () => {
    for (const k of ['svc/a/port', 'svc/a/host', 'svc/b/port', 'svc/b/x/port']) await run(['set', k, k]);
    expect((await run(['list', '--pattern', 'svc/*/port', '--keys-only'])).stdout).toBe(
      'svc/a/port\nsvc/b/port\n',
    );
    expect((await run(['list', '--pattern', 'svc/**/port', '--keys-only'])).stdout).toBe(
      'svc/a/port\nsvc/b/port\nsvc/b/x/port\n',
    );
    const del = await run(['del', '--prefix', 'svc/']);
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/^deleted 4 \(revision \d+\)\n$/);
    expect((await run(['list', '--prefix', 'svc/'])).stdout).toBe('');
  });
});
