import type { RegisterOp } from './register-model.js';

/** Options of {@link simulateHistory}. */
export interface SimulationOptions {
  readonly ops: number;
  readonly clients: number;
  readonly keys: number;
  /** Share of writes whose answer is lost (recorded with no `ret`); each still takes effect or not at random. */
  readonly unknownRate?: number;
  readonly seed?: number;
}

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An op before it ran: the request, without times. */
type Draft = RegisterOp extends infer T ? (T extends RegisterOp ? Omit<T, 'invoke' | 'ret'> : never) : never;

interface Planned {
  readonly client: number;
  readonly invoke: number;
  readonly at: number; // linearization point, invoke < at < ret
  readonly ret: number;
  readonly lost: boolean;
  readonly draft: Draft;
}

/**
 * A history of a correct store: clients issue ops one after another with random latencies, each op takes
 * effect at a random instant inside its interval on a sequential register with global revisions, and the
 * ops' outputs are what that register answered. So the result is linearizable by construction.
 */
export function simulateHistory(o: SimulationOptions): RegisterOp[] {
  const rnd = prng(o.seed ?? 1);
  const planned: Planned[] = [];
  for (let c = 0; c < o.clients; c++) {
    let t = Math.floor(rnd() * 10);
    for (let i = 0; i < o.ops / o.clients; i++) {
      const invoke = t + Math.floor(rnd() * 5);
      const at = invoke + 1 + Math.floor(rnd() * 20);
      const ret = at + 1 + Math.floor(rnd() * 20);
      planned.push({
        client: c,
        invoke,
        at,
        ret,
        lost: rnd() < (o.unknownRate ?? 0),
        draft: draft(rnd, o.keys, c, i),
      });
      t = ret;
    }
  }
  // Distinct linearization points: ties would make the "truth" ambiguous.
  planned.sort((a, b) => a.at - b.at || a.client - b.client);
  const state = new Map<string, { value: string; rev: number }>();
  let revision = 0;
  const history: RegisterOp[] = [];
  for (const p of planned) {
    const applied = !p.lost || rnd() < 0.5;
    const op = apply(p, state, applied ? () => ++revision : null);
    if (op) history.push(p.lost ? withoutOutcome(op) : op);
  }
  return history.sort((a, b) => a.invoke - b.invoke);
}

/** What a client whose answer was lost knows: the request, not the outcome. */
function withoutOutcome(op: RegisterOp): RegisterOp {
  const { revision, succeeded, deleted, ...rest } = op as RegisterOp & {
    revision?: number;
    succeeded?: boolean;
    deleted?: boolean;
  };
  void revision;
  void succeeded;
  void deleted;
  return rest as RegisterOp;
}

function draft(rnd: () => number, keys: number, client: number, i: number): Draft {
  const key = `k${Math.floor(rnd() * keys)}`;
  const r = rnd();
  if (r < 0.45) return { kind: 'get', key };
  if (r < 0.7) return { kind: 'set', key, value: `c${client}-${i}` };
  if (r < 0.9) return { kind: 'cas', key, value: `c${client}-${i}`, expect: { modRevision: -1 } }; // filled in
  return { kind: 'delete', key };
}

/** Runs one planned op on the register; `nextRev` is null when a lost op did not take effect. */
function apply(
  p: Planned,
  state: Map<string, { value: string; rev: number }>,
  nextRev: (() => number) | null,
): RegisterOp | null {
  const d = p.draft;
  const cur = state.get(d.key);
  const times = { invoke: p.invoke, ret: p.lost ? undefined : p.ret };
  if (d.kind === 'get') {
    if (p.lost) return null;
    return { ...d, ...times, value: cur?.value ?? null, modRevision: cur?.rev ?? 0 };
  }
  if (!nextRev) {
    // Never took effect; for a CAS pick an expectation that may or may not have matched.
    const expect = { modRevision: cur?.rev ?? 0 };
    return d.kind === 'cas' ? { ...d, ...times, expect } : { ...d, ...times };
  }
  if (d.kind === 'set') {
    const rev = nextRev();
    state.set(d.key, { value: d.value, rev });
    return { ...d, ...times, revision: rev };
  }
  if (d.kind === 'cas') {
    // Half of the CAS expect the current revision (succeed), half a stale one (fail).
    const stale = (p.at + p.client) % 2 === 0;
    const expected = cur?.rev ?? 0;
    if (stale) return { ...d, ...times, expect: { modRevision: expected + 1000 }, succeeded: false };
    const rev = nextRev();
    state.set(d.key, { value: d.value, rev });
    return { ...d, ...times, expect: { modRevision: expected }, succeeded: true, revision: rev };
  }
  if (!cur) return { ...d, ...times, deleted: false };
  const rev = nextRev();
  state.delete(d.key);
  return { ...d, ...times, deleted: true, revision: rev };
}
