import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/* The `etcd3` npm client (1.1) against kvstore's etcd API: KV, Txn, STM, Watch, leases with keep-alive. */

let server: ServerProcess;
let client: Etcd3;

beforeAll(async () => {
  server = await startServerProcess(await suiteDir());
  client = new Etcd3({ hosts: server.addr });
}, 30_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

describe('the etcd3 npm client', () => {
  it('puts, gets, lists a prefix and deletes', async () => {
    await client.put('app/a').value('1');
    await client.put('app/b').value('2');
    await client.put('other').value('3');
    expect(await client.get('app/a').string()).toBe('1');
    expect(await client.getAll().prefix('app/').strings()).toEqual({ 'app/a': '1', 'app/b': '2' });
    expect(await client.getAll().prefix('app/').count()).toBe(2);
    await client.delete().key('app/a');
    expect(await client.get('app/a').string()).toBeNull();
  });

  it('runs a compare-and-set Txn, and STM transactions that retry on conflict without losing an update', async () => {
    await client.put('cas').value('old');
    const won = await client.if('cas', 'Value', '==', 'old').then(client.put('cas').value('new')).commit();
    const lost = await client.if('cas', 'Value', '==', 'old').then(client.put('cas').value('nope')).commit();
    expect([won.succeeded, lost.succeeded]).toEqual([true, false]);
    expect(await client.get('cas').string()).toBe('new');

    await client.put('counter').value('0');
    const increment = () =>
      client.stm({ retries: 100 }).transact(async (tx) => {
        const n = Number(await tx.get('counter').string());
        await tx.put('counter').value(String(n + 1));
      });
    await Promise.all(Array.from({ length: 10 }, increment));
    expect(await client.get('counter').string()).toBe('10');
  });

  it('watches a prefix and sees puts and deletes in order', async () => {
    const watcher = await client.watch().prefix('w/').create();
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      watcher.on('put', (kv) => {
        seen.push(`put ${kv.key.toString()}=${kv.value.toString()}`);
      });
      watcher.on('delete', (kv) => {
        seen.push(`delete ${kv.key.toString()}`);
        if (seen.length === 3) resolve();
      });
    });
    await client.put('w/1').value('a');
    await client.put('w/1').value('b');
    await client.delete().key('w/1');
    await done;
    await watcher.cancel();
    expect(seen).toEqual(['put w/1=a', 'put w/1=b', 'delete w/1']);
  });

  it('keeps a lease alive past its TTL over the KeepAlive stream; revoking it deletes its key', async () => {
    // etcd's shortest TTL (2 s): the client keeps it alive every third of it.
    const lease = client.lease(2);
    await lease.put('leased').value('v');
    const lost = new Promise<never>((_, reject) => lease.on('lost', reject));
    let kept = 0;
    const fourKeepAlives = new Promise<void>((resolve) =>
      lease.on('keepaliveSucceeded', (res) => {
        expect(Number(res.TTL)).toBe(2);
        if (++kept === 4) resolve();
      }),
    );
    // Four keep-alives at a third of the TTL each: well past the 2 s the lease was granted for.
    await Promise.race([fourKeepAlives, lost]);
    expect(await client.get('leased').string()).toBe('v');
    expect(Number((await lease.keepaliveOnce()).TTL)).toBe(2);
    await lease.revoke();
    expect(await client.get('leased').string()).toBeNull();
  }, 30_000);
});
