import type { Logger } from 'pino';
import { heartbeat, MEMBER_GONE_MS, type MemberInfo, type Membership, parseMember } from '../membership.js';

/** Runs one statement on the log's pool. */
type Query = (text: string, values?: unknown[]) => Promise<{ rows: { entry: string }[] }>;

/**
 * The nodes of one PostgreSQL log in the table `<table>_members` (created on first use): one row per node,
 * refreshed every few seconds; rows not refreshed for {@link MEMBER_GONE_MS} are not listed.
 */
export class PgMembership implements Membership {
  private created: Promise<void> | null = null;

  constructor(
    private readonly query: Query,
    /** The log's table name (a checked lower-case identifier, safe in SQL text). */
    private readonly table: string,
    private readonly logger: Logger,
  ) {}

  announce(self: () => MemberInfo): { stop(): Promise<void> } {
    let warned = false;
    return heartbeat(
      async () => {
        await this.create();
        const m = self();
        await this.query(
          `INSERT INTO ${this.table}_members (id, entry, seen_at) VALUES ($1, $2, now()) ` +
            'ON CONFLICT (id) DO UPDATE SET entry = EXCLUDED.entry, seen_at = now()',
          [m.id, JSON.stringify({ ...m, at: Date.now() })],
        );
        warned = false;
      },
      async () => {
        await this.query(`DELETE FROM ${this.table}_members WHERE id = $1`, [self().id]);
      },
      (err) => {
        if (!warned) this.logger.warn({ err }, 'cannot announce this node in the members table');
        warned = true;
      },
    );
  }

  async list(): Promise<MemberInfo[]> {
    await this.create();
    // The database's clock decides who is gone: the nodes' clocks need not agree.
    const r = await this.query(
      `SELECT entry FROM ${this.table}_members WHERE seen_at > now() - interval '${MEMBER_GONE_MS} milliseconds'`,
    );
    return r.rows.flatMap((row) => parseMember(row.entry) ?? []);
  }

  private create(): Promise<void> {
    this.created ??= this.query(
      `CREATE TABLE IF NOT EXISTS ${this.table}_members (id bigint PRIMARY KEY, entry text NOT NULL, ` +
        'seen_at timestamptz NOT NULL)',
    ).then(
      () => {},
      (err: unknown) => {
        this.created = null;
        throw err;
      },
    );
    return this.created;
  }
}
