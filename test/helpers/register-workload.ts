import { expect } from 'vitest';
import { cas, get, type KvCluster, set } from './kv-cluster.js';
import { checkLinearizable, type RegisterOp } from './linearizability.js';
import { landedWrites, settleOutcomes } from './log-outcomes.js';

/** Options of {@link startRegisterWorkload}. */
export interface RegisterWorkloadOptions {
  /** Deadline of each Set and compare-and-set (a write unanswered by then has an unknown outcome). */
  readonly writeDeadlineMs: number;
  /** The history stops growing after this many ops or this long, whatever happens. */
  readonly maxOps: number;
  readonly giveUpMs: number;
}

/** Clients recording a history of gets, sets and compare-and-sets on three keys across a cluster's nodes. */
export interface RegisterWorkload {
  readonly ops: RegisterOp[];
  /** What each refused CAS was told (the key's mod revision on the node that refused it), for the verdict. */
  readonly refusals: string[];
  /** Ops answered so far. */
  answered(): number;
  /** Stops the clients and waits for their last op. */
  stop(): Promise<void>;
}

const KEYS = ['x', 'y', 'z'];

/**
 * Starts 9 clients over the cluster's nodes (client w talks to node w mod n, looked up at each op so a
 * restarted node is used), each doing a get, a set or a compare-and-set (expecting the mod revision a
 * serializable get just read) in turn. Every written value is unique to its op, so the log can settle
 * every lost answer afterwards ({@link expectLinearizable}).
 */
export function startRegisterWorkload(c: KvCluster, options: RegisterWorkloadOptions): RegisterWorkload {
  const ops: RegisterOp[] = [];
  const refusals: string[] = [];
  let stopped = false;
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const giveUpAt = Date.now() + options.giveUpMs;
  const client = async (w: number) => {
    for (let i = 0; !stopped && ops.length < options.maxOps && Date.now() < giveUpAt; i++) {
      const n = c.nodes[w % c.nodes.length]!;
      const key = KEYS[(w + i) % KEYS.length]!;
      const invoke = now();
      const pick = (w * 31 + i) % 3;
      try {
        if (pick === 0) {
          const got = await get(n, key, { ms: 20_000 });
          ops.push({
            kind: 'get',
            key,
            invoke,
            ret: now(),
            value: got?.value ?? null,
            modRevision: got?.modRevision ?? 0,
          });
        } else if (pick === 1) {
          const value = `${w}-${i}`;
          const revision = await set(n, key, value, options.writeDeadlineMs);
          ops.push({ kind: 'set', key, invoke, ret: now(), value, revision });
        } else {
          const expected = (await get(n, key, { serializable: true }))?.modRevision ?? 0;
          const value = `${w}-${i}c`;
          const casInvoke = now();
          try {
            const r = await cas(n, key, value, expected, options.writeDeadlineMs);
            if (!r.ok)
              refusals.push(`node ${w % c.nodes.length} ${key} ${value} @${Math.round(now())}: ${r.message}`);
            ops.push({
              kind: 'cas',
              key,
              invoke: casInvoke,
              ret: now(),
              value,
              expect: { modRevision: expected },
              succeeded: r.ok,
              ...(r.ok ? { revision: r.revision } : {}),
            });
          } catch {
            ops.push({ kind: 'cas', key, invoke: casInvoke, value, expect: { modRevision: expected } });
          }
        }
      } catch {
        // The outcome is unknown (a deadline, UNAVAILABLE during an election, a killed node or session).
        if (pick === 1) ops.push({ kind: 'set', key, invoke, value: `${w}-${i}` });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const done = Array.from({ length: 9 }, (_, w) => client(w));
  return {
    ops,
    refusals,
    answered: () => ops.filter((o) => o.ret !== undefined).length,
    async stop() {
      stopped = true;
      await Promise.all(done);
    },
  };
}

/**
 * Stops every node (so no retry can land later), settles each lost answer from the log, and checks the
 * promises (acknowledged writes in the log at their revision, refused CAS absent) and linearizability.
 */
export async function expectLinearizable(
  c: KvCluster,
  workload: RegisterWorkload,
  minAnswered: number,
): Promise<void> {
  await c.stop();
  const { ops, broken } = settleOutcomes(workload.ops, await landedWrites(c.logUrl, c.nodes[0]!.dataDir));
  expect(broken).toEqual([]);
  const verdict = checkLinearizable(ops, { budgetMs: 30_000 });
  const said = verdict.ok
    ? ''
    : `\nrefusals on ${verdict.key}:\n${workload.refusals.filter((r) => r.includes(` ${verdict.key} `)).join('\n')}`;
  expect(verdict, `${verdict.explanation}${said}`).toMatchObject({ ok: true });
  expect(workload.answered()).toBeGreaterThan(minAnswered);
}
