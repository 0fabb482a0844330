import type { MemberInfo, Membership } from '../log/membership.js';

/** A member as etcd's MemberList answers it (etcdserverpb.Member). */
export interface EtcdMember {
  readonly ID: number;
  readonly name: string;
  readonly peerURLs: string[];
  readonly clientURLs: string[];
  readonly isLearner: boolean;
}

/** Why a change of membership is not made through the etcd API, and what to do instead. */
export const MEMBERSHIP_CHANGES =
  'kvstore members are not managed through the etcd API: start another kvstore node on the same log.url ' +
  '(a NATS JetStream stream or a PostgreSQL table, docs/cluster.md) to add a member, stop it to remove it';

/**
 * etcd's MemberList: the nodes announced on the shared log (docs/etcd.md), this one always included with
 * its current URLs, in ID order. A log without membership (SQLite, memory) has this node alone; when the
 * announcements cannot be read (backend unreachable), so does the answer, and `unreadable` is told why.
 */
export async function etcdMembers(
  membership: Membership | undefined,
  self: MemberInfo,
  unreadable: (err: unknown) => void,
): Promise<EtcdMember[]> {
  let others: MemberInfo[] = [];
  if (membership !== undefined) {
    others = await membership.list().catch((err: unknown) => {
      unreadable(err);
      return [];
    });
  }
  const byId = new Map<number, MemberInfo>();
  for (const m of others) byId.set(m.id, m);
  byId.set(self.id, self);
  return [...byId.values()]
    .sort((a, b) => a.id - b.id)
    .map((m) => ({
      ID: m.id,
      name: m.name,
      peerURLs: [],
      clientURLs: [...m.clientUrls],
      isLearner: false,
    }));
}
