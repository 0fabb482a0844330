import { formatMs } from '../../config/units.js';
import { connect } from '../client.js';
import type { Command } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the server version, revision, key count and backend',
  options: {},
  help: `NAME
    kvstore status - show the state of a server

SYNOPSIS
    kvstore status [--json] [--addr HOST:PORT]

DESCRIPTION
    Prints the server's version, current and compact revision, number of keys, the log backend and its
    size on disk, the durability mode, the newest checkpoint, its limits, its uptime and the background
    check of the log history (records that fail their checksum: see kvstore check). A cluster node
    (log.url nats://) also shows the revision it has applied and its lag behind the log, the log
    stream's leader and replicas, and why the log cannot be reached when it cannot.

EXIT STATUS
    0 the server answered, 3 server unavailable or other error.`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('status takes no arguments', 'status');
    const clients = connect(ctx.global);
    try {
      const s = await clients.unary('Admin/Status', {});
      const facts = {
        address: ctx.global.addr,
        version: s.version,
        revision: s.header?.revision ?? 0,
        compact_revision: s.compact_revision,
        keys: s.keys,
        backend: s.backend,
        log_bytes: s.log_bytes,
        durability: s.durability,
        checkpoint_revision: s.checkpoint_revision,
        uptime: formatMs(Math.round(s.uptime_ms / 1000) * 1000),
        max_key_bytes: s.limits?.max_key_bytes,
        max_value_bytes: s.limits?.max_value_bytes,
        nats: s.nats
          ? `${s.nats.state}, published through revision ${s.nats.published_revision} (lag ${s.nats.lag_revisions})` +
            (s.nats.last_error ? `, last error: ${s.nats.last_error}` : '')
          : 'off',
        history_check: historyCheckLine(s.history_check),
        ...(s.cluster ? clusterLines(s.cluster) : {}),
        // Who the server takes this client for (authentication on only).
        ...(s.caller
          ? {
              caller: `${s.caller.principal} (${s.caller.via}), roles: ${s.caller.roles.join(', ') || 'none'}`,
            }
          : {}),
      };
      if (ctx.global.json)
        printJson({
          ...facts,
          uptime_ms: s.uptime_ms,
          history_check: s.history_check,
          cluster: s.cluster ?? null,
          caller: s.caller ?? null,
        });
      else {
        const width = Math.max(...Object.keys(facts).map((k) => k.length));
        for (const [k, v] of Object.entries(facts)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
      }
      return EXIT.OK;
    } finally {
      clients.close();
    }
  },
};

/** The background history check in one line; damaged records name their revisions. */
function historyCheckLine(
  h: { state: string; checked_records: number; damaged_records: number; damaged_revisions: number[] } | null,
): string {
  if (!h) return 'unknown (server predates it)';
  const summary = `${h.state}, ${h.checked_records} records, ${h.damaged_records} damaged`;
  if (h.damaged_records === 0) return summary;
  const more = h.damaged_records > h.damaged_revisions.length ? ', ...' : '';
  return `${summary}: revisions ${h.damaged_revisions.join(', ')}${more} — see kvstore check`;
}

/** A cluster node's place in the shared log, as status lines. */
function clusterLines(c: {
  applied_revision: number;
  head_revision: number;
  lag_revisions: number;
  leader: string;
  replicas: { name: string; current: boolean; lag: number }[];
  unavailable: string;
}): Record<string, string> {
  return {
    applied_revision: `${c.applied_revision} (log head ${c.head_revision}, lag ${c.lag_revisions})`,
    log_leader: c.leader || 'unknown',
    log_replicas:
      c.replicas.map((r) => `${r.name}${r.current ? '' : ` (behind ${r.lag})`}`).join(', ') || 'unknown',
    ...(c.unavailable ? { log_unavailable: c.unavailable } : {}),
  };
}
