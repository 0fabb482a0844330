import type { JetStreamClient, KV } from 'nats';
import type { Logger } from 'pino';
import { heartbeat, MEMBER_GONE_MS, type MemberInfo, type Membership, parseMember } from '../membership.js';

/**
 * The nodes of one JetStream log in a NATS KV bucket beside its stream (`kvstore-members-<STREAM>`): one
 * key per node, its entry refreshed every few seconds; the bucket's TTL drops a node that stopped without
 * removing its entry.
 */
export class JetStreamMembership implements Membership {
  private bucket: Promise<KV> | null = null;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly replicas: number,
    private readonly logger: Logger,
  ) {}

  announce(self: () => MemberInfo): { stop(): Promise<void> } {
    let warned = false;
    return heartbeat(
      async () => {
        const m = self();
        await (await this.kv()).put(key(m.id), JSON.stringify({ ...m, at: Date.now() }));
        warned = false;
      },
      async () => (await this.kv()).delete(key(self().id)),
      (err) => {
        if (!warned) this.logger.warn({ err }, 'cannot announce this node in the members bucket');
        warned = true;
      },
    );
  }

  async list(): Promise<MemberInfo[]> {
    const kv = await this.kv();
    const out: MemberInfo[] = [];
    for await (const k of await kv.keys()) {
      const entry = await kv.get(k);
      const m = entry && entry.operation === 'PUT' ? parseMember(entry.string()) : null;
      if (m !== null && m.at > Date.now() - MEMBER_GONE_MS) out.push(m);
    }
    return out;
  }

  /** The bucket, created on first use (a failed attempt is tried again next time). */
  private kv(): Promise<KV> {
    this.bucket ??= this.js.views
      .kv(`kvstore-members-${this.stream}`, {
        history: 1,
        ttl: MEMBER_GONE_MS,
        replicas: this.replicas,
      })
      .catch((err: unknown) => {
        this.bucket = null;
        throw err;
      });
    return this.bucket;
  }
}

function key(id: number): string {
  return `m${id}`;
}
