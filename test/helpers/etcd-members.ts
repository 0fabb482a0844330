import { expect } from 'vitest';
import { etcdctl } from '../etcd/etcd-process.js';
import type { KvCluster } from './kv-cluster.js';

/* etcd's MemberList on a kvstore cluster, as etcdctl 3.4 prints it: shared by the JetStream and PostgreSQL tests. */

interface Member {
  ID: number;
  name: string;
  clientURLs?: string[];
}

/** `etcdctl member list` on one node. */
async function memberList(addr: string): Promise<Member[]> {
  const r = await etcdctl(addr, ['member', 'list', '-w', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { members?: Member[] }).members ?? [];
}

async function memberId(addr: string): Promise<number> {
  const r = await etcdctl(addr, ['endpoint', 'status', '-w', 'json']);
  return (JSON.parse(r.stdout) as { Status: { header: { member_id: number } } }[])[0]!.Status.header
    .member_id;
}

/** Polls `memberList(addr)` until it has `count` members (the nodes announce themselves as they start). */
async function membersOnceThere(addr: string, count: number, timeoutMs = 30_000): Promise<Member[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const members = await memberList(addr);
    if (members.length === count) return members;
    if (Date.now() > deadline) throw new Error(`member list on ${addr}: ${JSON.stringify(members)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Every node lists every node, with its member ID (as its own Status says) and its client URL; a node
 * stopped cleanly drops out of the others' lists; membership changes answer with what to do instead.
 */
export async function checkMembers(cluster: KvCluster): Promise<void> {
  const addrs = cluster.nodes.map((n) => n.server.addr);
  const ids = await Promise.all(addrs.map(memberId));
  expect(new Set(ids).size).toBe(addrs.length);
  for (const addr of addrs) {
    const members = await membersOnceThere(addr, addrs.length);
    expect(members.map((m) => m.ID).sort()).toEqual([...ids].sort());
    for (const [i, a] of addrs.entries()) {
      const m = members.find((x) => x.ID === ids[i])!;
      expect(m.clientURLs).toContain(`http://${a}`);
      expect(m.name).not.toBe('');
    }
  }
  const add = await etcdctl(addrs[0]!, ['member', 'add', 'n4', '--peer-urls=http://127.0.0.1:1']);
  expect(add.code).not.toBe(0);
  expect(add.stderr).toContain('start another kvstore node on the same log.url');
  // A node that stops cleanly removes its entry: the others list it no more (a killed one ages out).
  const last = cluster.nodes.at(-1)!;
  await last.server.stop();
  const left = await membersOnceThere(addrs[0]!, addrs.length - 1);
  expect(left.map((m) => m.ID)).not.toContain(ids.at(-1));
}
