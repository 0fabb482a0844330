import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client, Notification } from 'pg';
import pg from 'pg';
import type { LogBackendStatus } from '../event-log.js';
import { connectionConfig } from './pg-connection.js';
import { troubleText } from './pg-errors.js';
import { FETCH_PAGE, type PgLogCore, type Row } from './pg-log-core.js';

/** The tail reads by revision this often even when no NOTIFY came (a notification can be lost). */
const POLL_MS = 1_000;
/** How often a following node records its applied revision for status pages, and how long it counts. */
const REPORT_MS = 2_000;
const NODE_GONE_S = 30;
/** Pause before a lost LISTEN connection is opened again. */
const RECONNECT_MS = 250;

/**
 * The read side of a PostgreSQL log: records of other nodes arrive here. LISTEN/NOTIFY wakes it, a read by
 * revision fetches them (and a poll covers a lost notification); each node records how far it applied.
 */
export class PgTail {
  private listener: Client | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private fetching: Promise<void> | null = null;
  private fetchAgain = false;
  private following = false;
  /** This node's name in the nodes table: host, process and a random part (two nodes may share a host). */
  private readonly nodeName = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  private lastReport = 0;

  constructor(private readonly core: PgLogCore) {}

  /** Starts following the table: LISTEN for wake-ups, and a poll in case one is lost. */
  follow(): void {
    if (this.following || this.core.closed) return;
    this.following = true;
    void this.listen();
    this.pollTimer = setInterval(() => {
      this.wake();
      if (Date.now() - this.lastReport >= REPORT_MS) void this.report().catch(() => {});
    }, POLL_MS);
    this.pollTimer.unref();
  }

  /** Fetches what was committed past the applied revision (once at a time; a wake-up meanwhile runs it again). */
  wake(): void {
    if (this.core.closed || this.core.failure) return;
    if (this.fetching) {
      this.fetchAgain = true;
      return;
    }
    this.fetching = this.fetchNew()
      .catch((err: unknown) => {
        this.core.trouble = troubleText(this.core.describe(), err as Error);
      })
      .finally(() => {
        this.fetching = null;
        if (this.fetchAgain) {
          this.fetchAgain = false;
          this.wake();
        }
      });
  }

  /** For the close: stops the poll and waits for a fetch under way. */
  async stop(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    while (this.fetching) await this.fetching.catch(() => {});
  }

  /** Hands over the LISTEN connection: from now on its end is not a loss to reopen. */
  detach(): Client | null {
    const listener = this.listener;
    this.listener = null;
    return listener;
  }

  /**
   * Every kvstore node that followed the table in the last 30 s, with how far behind `head` it was when it last
   * reported (every 2 s); this node's entry is reported first, so it is current.
   */
  async replicas(head: number): Promise<NonNullable<LogBackendStatus['replicas']>> {
    await this.report();
    const nodes = await this.core.query<{ node: string; applied: string }>(
      `SELECT node, applied FROM ${this.core.names.nodes} WHERE seen_at > now() - interval '${NODE_GONE_S} seconds' ORDER BY node`,
    );
    return nodes.rows.map((n) => {
      const applied = n.node === this.nodeName ? this.core.last : Number(n.applied);
      return {
        name: n.node === this.nodeName ? `${n.node} (this node)` : n.node,
        current: applied >= head,
        lag: Math.max(0, head - applied),
      };
    });
  }

  private async listen(): Promise<void> {
    if (this.core.closed) return;
    const client = new pg.Client(connectionConfig(this.core.url));
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      this.listener = null;
      void client.end().catch(() => {});
      if (this.core.closed) return;
      this.core.logger.warn({ err }, 'the PostgreSQL LISTEN connection broke; opening it again');
      setTimeout(() => void this.listen(), RECONNECT_MS).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (_msg: Notification) => this.wake());
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${this.core.names.channel}`);
      // What was committed before LISTEN took effect is fetched by revision now.
      this.wake();
    } catch (err) {
      lost(err as Error);
    }
  }

  private async fetchNew(): Promise<void> {
    const core = this.core;
    for (;;) {
      if (core.closed || core.failure) return;
      const result = await core.query<Row>(
        `SELECT revision, record FROM ${core.names.table} WHERE revision > $1 ORDER BY revision LIMIT ${FETCH_PAGE}`,
        [core.last],
      );
      core.trouble = null;
      core.apply(result.rows);
      if (result.rows.length < FETCH_PAGE) return;
    }
  }

  /** Records this node's applied revision in the nodes table (status pages show each node's lag). */
  private async report(): Promise<void> {
    if (this.core.closed) return;
    this.lastReport = Date.now();
    await this.core.query(
      `INSERT INTO ${this.core.names.nodes} (node, applied, seen_at) VALUES ($1, $2, now()) ` +
        'ON CONFLICT (node) DO UPDATE SET applied = excluded.applied, seen_at = excluded.seen_at',
      [this.nodeName, this.core.last],
    );
    // Nodes gone for a day are forgotten.
    if (Math.random() < 0.01)
      await this.core.query(`DELETE FROM ${this.core.names.nodes} WHERE seen_at < now() - interval '1 day'`);
  }
}
