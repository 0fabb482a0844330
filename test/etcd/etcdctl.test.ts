import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';
import { type CtlResult, type EtcdProcess, etcdctl, etcdctlWatch, startEtcd } from './etcd-process.js';

/*
 * etcdctl 3.4 (Debian's etcd-client) against kvstore's etcd API and against a real etcd 3.4 started here:
 * the same commands must print the same. Revisions differ by one (etcd's first write is revision 2,
 * kvstore's is 1), so commands that name a revision take it from each server's own answers.
 */

let kvstore: ServerProcess;
let etcdEndpoint: string;
let kvEndpoint: string;
let etcd: EtcdProcess;

beforeAll(async () => {
  const dir = await suiteDir();
  [kvstore, etcd] = await Promise.all([
    startServerProcess(join(dir, 'kv'), ['--etcd-listen', '127.0.0.1:0']),
    startEtcd(join(dir, 'etcd')),
  ]);
  const serving = kvstore.logs.find((l) => l.msg === 'kvstore is serving')!;
  // The etcd API's own port (etcd.listen); the gRPC port serves it too (tested below).
  kvEndpoint = String(serving.etcd);
  etcdEndpoint = etcd.endpoint;
}, 60_000);

afterAll(async () => {
  await kvstore?.stop();
  await etcd?.stop();
});

/** The mod revision of `key` on one server. */
async function modRevision(endpoint: string, key: string): Promise<number> {
  const r = await etcdctl(endpoint, ['get', key, '-w', 'json']);
  return (JSON.parse(r.stdout) as { kvs: { mod_revision: number }[] }).kvs[0]!.mod_revision;
}

/** Runs one command on both servers; `{rev:KEY}` in an argument is that key's mod revision on each. */
async function both(args: string[], input?: string): Promise<[CtlResult, CtlResult]> {
  const on = async (endpoint: string) => {
    const resolved: string[] = [];
    for (const a of args) {
      const m = /\{rev:([^}]+)\}/.exec(a);
      resolved.push(m ? a.replace(m[0], String(await modRevision(endpoint, m[1]!))) : a);
    }
    return etcdctl(endpoint, resolved, input);
  };
  return [await on(kvEndpoint), await on(etcdEndpoint)];
}

/** The same stdout and exit code on both; for failures, the same "Error:" line. */
async function same(args: string[], input?: string): Promise<CtlResult> {
  const [kv, real] = await both(args, input);
  const errorLine = (r: CtlResult) => r.stderr.split('\n').find((l) => l.startsWith('Error:')) ?? '';
  expect({ args, stdout: kv.stdout, code: kv.code, error: errorLine(kv) }).toEqual({
    args,
    stdout: real.stdout,
    code: real.code,
    error: errorLine(real),
  });
  return kv;
}

describe('etcdctl 3.4 against kvstore and a real etcd', () => {
  it('prints the same for put, get (prefix, range, from-key, limit, sort, keys-only, rev) and del', async () => {
    for (const [k, v] of [
      ['a', '1'],
      ['a/b', '2'],
      ['a/c', '3'],
      ['b', '4'],
      ['a/b', '22'],
      ['é/ü', 'unicode'],
    ] as const) {
      await same(['put', k, v]);
    }
    await same(['get', 'a']);
    await same(['get', 'a', '--prefix']);
    await same(['get', 'a', '--prefix', '--keys-only']);
    await same(['get', 'a', '--prefix', '--limit', '2']);
    await same(['get', 'a', '--prefix', '--print-value-only']);
    await same(['get', 'a', 'b']);
    await same(['get', 'a/b', '--from-key']);
    await same(['get', '', '--from-key', '--keys-only']);
    await same(['get', '', '--prefix', '--limit', '1']);
    await same(['get', 'é', '--prefix']);
    for (const target of ['KEY', 'VERSION', 'CREATE', 'MODIFY', 'VALUE']) {
      await same(['get', 'a', '--prefix', `--sort-by=${target}`, '--order=DESCEND']);
      await same(['get', 'a', '--prefix', `--sort-by=${target}`, '--order=ASCEND']);
    }
    await same(['get', 'missing']);
    await same(['get', 'a', '--prefix', '--consistency=s']);
    // The state as it was when a/c was written: a/b still 2.
    await same(['get', 'a', '--prefix', '--rev={rev:a/c}']);
    await same(['get', 'a/b', '--rev={rev:a}']);
    await same(['put', 'a/b', '5', '--prev-kv']);
    await same(['del', 'a/c', '--prev-kv']);
    await same(['del', 'nothing']);
    await same(['del', 'a', '--prefix', '--prev-kv']);
    await same(['get', '', '--prefix']);
  }, 60_000);

  it('prints the same for txn (value, version, create and mod compares; both branches)', async () => {
    await same(['put', 't/x', 'one']);
    await same(['txn'], 'value("t/x") = "one"\n\nput t/y yes\nget t/x\n\nput t/y no\n\n');
    await same(['txn'], 'version("t/x") > "3"\n\nput t/z yes\n\nput t/z no\ndel t/y\n\n');
    await same(['txn'], 'mod("t/x") > "0"\ncreate("t/nothing") = "0"\n\nput t/w w\n\n\n');
    await same(['txn'], 'value("t/x") != "one"\n\n\nget t --prefix\n\n');
    await same(['get', 't', '--prefix']);
    // One branch may not put a key twice (etcd's message).
    await same(['txn'], '\nput t/d 1\nput t/d 2\n\n\n');
    // Nor put a key it also deletes.
    await same(['txn'], '\nput t/d 1\ndel t --prefix\n\n\n');
  }, 60_000);

  it('prints the same for watch --prefix --prev-kv with a writer, and watch --rev from the past', async () => {
    // From each server's next revision: the watch sees the writes below however late it is created.
    const next = async (e: string) => {
      const r = await etcdctl(e, ['get', 'w', '-w', 'json']);
      return ((JSON.parse(r.stdout) as { header: { revision?: number } }).header.revision ?? 0) + 1;
    };
    const watches = await Promise.all(
      [kvEndpoint, etcdEndpoint].map(async (e) =>
        etcdctlWatch(e, ['w', '--prefix', '--prev-kv', `--rev=${await next(e)}`]),
      ),
    );
    try {
      await same(['put', 'w/1', 'x']);
      await same(['put', 'w/1', 'y']);
      await same(['put', 'w/2', 'z']);
      await same(['del', 'w', '--prefix']);
      // PUT/key/value per put (+ prev key/value), DELETE/key/empty value + prev key/value.
      const [kv, real] = await Promise.all(watches.map((w) => w.waitForLines(19)));
      expect(kv).toEqual(real);
    } finally {
      await Promise.all(watches.map((w) => w.stop()));
    }
    const past = [kvEndpoint, etcdEndpoint].map(async (e) => {
      const rev = await modRevision(e, 't/x');
      const w = etcdctlWatch(e, ['t', '--prefix', `--rev=${rev}`]);
      try {
        return await w.waitForLines(12);
      } finally {
        await w.stop();
      }
    });
    const [kv, real] = await Promise.all(past);
    expect(kv).toEqual(real);
  }, 60_000);

  it('compacts: reads and watches below the compact revision fail as on etcd', async () => {
    await same(['put', 'c/1', 'a']);
    await same(['put', 'c/1', 'b']);
    const [kv, real] = await both(['compaction', '{rev:c/1}']);
    expect(kv.code).toBe(0);
    expect(kv.stdout.replace(/\d+/g, 'N')).toBe(real.stdout.replace(/\d+/g, 'N'));
    await same(['get', 'c/1', '--rev={rev:t/x}']);
    // At the compact revision itself the state is still there.
    await same(['get', 'c/1', '--rev={rev:c/1}']);
    await same(['get', 'c/1', '--rev=100000']);
    await same(['compaction', '{rev:t/x}']);
  }, 60_000);

  it('prints the same for lease grant, put --lease, timetolive --keys, list, keep-alive --once, revoke (IDs masked)', async () => {
    await same(['put', 'l', 'v', '--lease=1234']);
    await same(['lease', 'list']);
    await same(['lease', 'timetolive', '1234']);
    await same(['lease', 'revoke', '1234']);
    // Each server chooses its own lease ID: commands name it as {id} (hex) or {dec} (decimal, for txn).
    const ids = new Map<string, string>();
    for (const e of [kvEndpoint, etcdEndpoint]) {
      const grant = await etcdctl(e, ['lease', 'grant', '60']);
      const id = /^lease ([0-9a-f]{16}) granted with TTL\(60s\)$/m.exec(grant.stdout)?.[1];
      expect(id, grant.stdout + grant.stderr).toBeDefined();
      ids.set(e, id!);
    }
    const masked = (r: CtlResult) => ({
      // etcd lists a lease's keys from a Go map (any order); kvstore in key order.
      stdout: r.stdout
        .replace(/\b[0-9a-f]{16}\b/g, 'ID')
        .replace(/remaining\(\d+s\)/g, 'remaining(Ns)')
        .replace(/attached keys\(\[([^\]]*)\]\)/, (_, keys: string) => `keys(${keys.split(' ').sort()})`),
      code: r.code,
      error: (r.stderr.split('\n').find((l) => l.startsWith('Error:')) ?? '').replace(/[0-9a-f]{16}/g, 'ID'),
    });
    const leaseSame = async (args: string[], input?: string) => {
      const [kv, real] = await Promise.all(
        [kvEndpoint, etcdEndpoint].map((e) => {
          const id = ids.get(e)!;
          const fill = (a: string) => a.replace('{id}', id).replace('{dec}', BigInt(`0x${id}`).toString());
          return etcdctl(e, args.map(fill), input === undefined ? undefined : fill(input));
        }),
      );
      expect({ args, ...masked(kv!) }).toEqual({ args, ...masked(real!) });
      return kv!;
    };
    await leaseSame(['put', '--lease={id}', 'l/1', 'a']);
    await leaseSame(['put', '--lease={id}', 'l/2', 'b']);
    await leaseSame(['put', 'l/3', 'c']);
    await leaseSame(['lease', 'timetolive', '{id}', '--keys']);
    await leaseSame(['lease', 'list']);
    await leaseSame(['lease', 'keep-alive', '--once', '{id}']);
    await leaseSame(['get', 'l', '--prefix']);
    await leaseSame(['txn'], 'lease("l/1") = "{dec}"\nlease("l/3") = "0"\n\nput l/t yes\n\nput l/t no\n\n');
    await leaseSame(['txn'], 'lease("l/1") = "0"\n\nput l/u yes\n\nput l/u no\n\n');
    const got = JSON.parse((await etcdctl(kvEndpoint, ['get', 'l/1', '-w', 'json'])).stdout) as {
      kvs: { lease: number }[];
    };
    expect(got.kvs[0]!.lease).toBe(Number.parseInt(ids.get(kvEndpoint)!, 16));
    await leaseSame(['lease', 'revoke', '{id}']);
    await leaseSame(['get', 'l', '--prefix']);
    await leaseSame(['lease', 'timetolive', '{id}']);
    await leaseSame(['lease', 'revoke', '{id}']);
    await leaseSame(['lease', 'keep-alive', '--once', '{id}']);
    await leaseSame(['put', '--lease={id}', 'l/4', 'd']);
    await leaseSame(['lease', 'list']);
  }, 60_000);

  it('serves endpoint status, hashkv, member list, alarm list and snapshot save', async () => {
    const status = JSON.parse((await etcdctl(kvEndpoint, ['endpoint', 'status', '-w', 'json'])).stdout) as {
      Status: {
        header: { member_id: number; revision: number };
        version: string;
        leader: number;
        raftIndex: number;
      };
    }[];
    const s = status[0]!.Status;
    expect(s.version).toBe('3.5.13');
    expect(s.leader).toBe(s.header.member_id);
    expect(s.raftIndex).toBe(s.header.revision);
    const hash = await etcdctl(kvEndpoint, ['endpoint', 'hashkv']);
    expect(hash.stdout).toMatch(new RegExp(`^${kvEndpoint}, \\d+\\n$`));
    // Same state, same hash, asked twice.
    expect((await etcdctl(kvEndpoint, ['endpoint', 'hashkv'])).stdout).toBe(hash.stdout);
    const members = await etcdctl(kvEndpoint, ['member', 'list']);
    expect(members.stdout).toContain(`http://${kvEndpoint}`);
    expect(members.stdout).toContain(`http://${kvstore.addr}`);
    await same(['alarm', 'list']);
    const dir = await suiteDir();
    const file = join(dir, 'snap.db');
    const saved = await etcdctl(kvEndpoint, ['snapshot', 'save', file]);
    expect(saved.stdout).toContain('Snapshot saved at');
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 7).toString('latin1')).toBe('KVBKUP\0');
    expect(bytes.length % 512).toBe(32);
    // kvstore restore reads it (etcd's envelope included); a server on the restored directory has the data.
    const restored = join(dir, 'restored');
    const restore = spawnSync(
      process.execPath,
      ['bin/kvstore', 'restore', '--in', file, '--data-dir', restored],
      {
        encoding: 'utf8',
      },
    );
    expect(restore.status, restore.stderr).toBe(0);
    const copy = await startServerProcess(restored, ['--etcd-listen', '127.0.0.1:0']);
    try {
      const at = String(copy.logs.find((l) => l.msg === 'kvstore is serving')!.etcd);
      const original = await etcdctl(kvEndpoint, ['get', '', '--prefix']);
      expect((await etcdctl(at, ['get', '', '--prefix'])).stdout).toBe(original.stdout);
    } finally {
      await copy.stop();
    }
  }, 60_000);

  it('serves the etcd API on the kvstore gRPC port too', async () => {
    const put = await etcdctl(kvstore.addr, ['put', 'on-grpc', 'yes']);
    expect(put.stdout).toBe('OK\n');
    expect((await etcdctl(kvEndpoint, ['get', 'on-grpc', '--print-value-only'])).stdout).toBe('yes\n');
  }, 60_000);
});
