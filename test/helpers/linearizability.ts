/**
 * A per-key linearizability checker for histories of gets, sets, compare-and-sets and deletes, in the style of
 * Wing & Gong with Lowe's memoisation, as Porcupine does it: a depth-first search over the order in which
 * concurrent ops take effect, remembering every (set of linearized ops, state) pair already explored.
 * Linearizability is local (Herlihy & Wing), so each key's sub-history is checked on its own.
 *
 * An op whose outcome is unknown (`ret` undefined) may have taken effect at any time after its invoke, or
 * never: it is linearized wherever the search likes, or not at all.
 */
import {
  describeOp,
  describeState,
  INITIAL_STATE,
  type RegisterOp,
  type RegisterState,
  stateKey,
  step,
} from './register-model.js';
import { findStaleRead } from './stale-reads.js';

export type { RegisterOp } from './register-model.js';

/** The verdict: ok, or the first key found not linearizable with what went wrong. */
export interface CheckResult {
  readonly ok: boolean;
  readonly key?: string;
  readonly explanation?: string;
}

/** Options of {@link checkLinearizable}. */
export interface CheckOptions {
  /**
   * How long after its invoke an unknown-outcome op may still take effect (same unit as the times).
   * Infinity (the default) is always right; a bound (e.g. the client's deadline plus the log's own retry
   * horizon) keeps histories with many lost answers fast, since each lost op otherwise stays a candidate
   * until the end of the history.
   */
  readonly unknownWindow?: number;
  /**
   * How long the search may run per key before it gives up and answers not ok (it never answers ok without
   * a proof). Proving a violation means exhausting every order, which on long histories can take long;
   * default 20 s.
   */
  readonly budgetMs?: number;
  /** Skip the quick stale-read pass (tests use it to exercise the search alone). */
  readonly searchOnly?: boolean;
  /** The keys' state before the history (absent when not listed). */
  readonly initial?: ReadonlyMap<string, { readonly value: string; readonly modRevision: number }>;
}

/** Checks a whole history, key by key. */
export function checkLinearizable(ops: readonly RegisterOp[], options: CheckOptions = {}): CheckResult {
  const byKey = new Map<string, RegisterOp[]>();
  for (const op of ops) {
    // A read whose answer never came constrains nothing.
    if (op.kind === 'get' && op.ret === undefined) continue;
    const list = byKey.get(op.key);
    if (list) list.push(op);
    else byKey.set(op.key, [op]);
  }
  for (const [key, list] of byKey) {
    const init = options.initial?.get(key);
    const state = init
      ? { value: init.value, rev: init.modRevision, floor: init.modRevision }
      : INITIAL_STATE;
    const deadline = Date.now() + (options.budgetMs ?? 20_000);
    const quick = options.searchOnly ? null : findStaleRead(list);
    const explanation = quick ?? checkKey(list, state, options.unknownWindow ?? Infinity, deadline);
    if (explanation !== null) return { ok: false, key, explanation };
  }
  return { ok: true };
}

/** One end of an op's interval, in a doubly linked list sorted by time. */
interface Entry {
  readonly op: number;
  readonly isCall: boolean;
  readonly time: number;
  match: Entry | null; // the other end of the same op
  prev: Entry | null;
  next: Entry | null;
}

function buildList(ops: readonly RegisterOp[], window: number): Entry {
  const entries: Entry[] = [];
  ops.forEach((o, i) => {
    const call: Entry = { op: i, isCall: true, time: o.invoke, match: null, prev: null, next: null };
    const ret: Entry = {
      op: i,
      isCall: false,
      time: o.ret ?? o.invoke + window,
      match: null,
      prev: null,
      next: null,
    };
    call.match = ret;
    ret.match = call;
    entries.push(call, ret);
  });
  // Calls before returns at the same instant: touching intervals count as concurrent (the lenient reading).
  entries.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? 0 : a.isCall ? -1 : 1));
  const head: Entry = { op: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

/** Removes a call and its return from the list (the op is linearized). */
function lift(call: Entry): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Puts back what {@link lift} removed, in reverse order. */
function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

/**
 * The ops decided so far: a bitset of the ops with a known outcome and of the unknown-outcome ops dropped
 * (with an incremental 2x32-bit hash), and a bitset of the unknown-outcome ops applied.
 */
class Linearized {
  readonly known: Uint32Array;
  readonly unknown: Uint32Array;
  private readonly salt: Uint32Array;
  h1 = 0;
  h2 = 0;
  constructor(size: number) {
    this.known = new Uint32Array(Math.ceil(size / 32));
    this.unknown = new Uint32Array(this.known.length);
    this.salt = new Uint32Array(size * 2);
    let x = 0x9e3779b9;
    for (let i = 0; i < this.salt.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.salt[i] = x >>> 0;
    }
  }
  toggle(i: number, exact: boolean): void {
    if (!exact) {
      this.unknown[i >>> 5]! ^= 1 << (i & 31);
      return;
    }
    this.known[i >>> 5]! ^= 1 << (i & 31);
    this.h1 ^= this.salt[2 * i]!;
    this.h2 ^= this.salt[2 * i + 1]!;
  }
}

/** An explored point: which ops were linearized, to reach the state its memo key names. */
interface Seen {
  readonly known: Uint32Array;
  readonly unknown: Uint32Array;
}

/**
 * Records the point (decided ops, state) as explored; false when an explored point dominates it: the same
 * known and dropped ops and state, with a subset of the unknown-outcome ops applied (from there, the others
 * can still be applied, or dropped with the same effect on the future as having been applied and overwritten).
 */
function remember(seen: Map<string, Seen[]>, lin: Linearized, state: RegisterState): boolean {
  const key = `${lin.h1},${lin.h2},${stateKey(state)}`;
  const same = seen.get(key);
  const dominated = same?.some(
    (p) =>
      p.known.every((w, i) => w === lin.known[i]) && p.unknown.every((w, i) => (w & ~lin.unknown[i]!) === 0),
  );
  if (dominated) return false;
  const point = { known: lin.known.slice(), unknown: lin.unknown.slice() };
  if (same) same.push(point);
  else seen.set(key, [point]);
  return true;
}

/** A move of the search: linearize the call's op, or (`drop`) decide that an unknown-outcome op never took effect. */
interface Move {
  readonly call: Entry;
  readonly drop: boolean;
}

/**
 * Which move to try first, lowest first, by op. Reads and other ops that leave the state as it is come first (when
 * legal they never need undoing), then writes in the order of their revisions (the order they really took
 * effect in; a lost write by the revision a read saw its value at), then ops with no revision, in invoke
 * order. The order only changes how fast a
 * valid order is found, never the verdict: with 16 clients on one key it took the search from ~27 s to
 * well under a second.
 */
function moveRanks(ops: readonly RegisterOp[]): Float64Array {
  const unranked = Number.MAX_SAFE_INTEGER;
  // A lost write is ranked by the revision a read saw its value at (values are usually unique per write).
  const seenAt = new Map<string, number>();
  for (const op of ops)
    if (op.kind === 'get' && typeof op.value === 'string' && op.modRevision !== undefined)
      seenAt.set(op.value, Math.min(seenAt.get(op.value) ?? unranked, op.modRevision));
  return Float64Array.from(ops, (op) => {
    if (op.kind === 'get' || (op.kind === 'cas' && op.succeeded === false)) return -1;
    if (op.kind === 'delete' && op.deleted === false) return -1;
    if (op.revision !== undefined) return op.revision;
    const seen = op.kind === 'delete' ? undefined : seenAt.get(op.value);
    return seen ?? nextWriteAfter(ops, op.invoke) - 0.5;
  });
}

/** The revision of the first write with a known revision sent after `time`: about when a lost op landed. */
function nextWriteAfter(ops: readonly RegisterOp[], time: number): number {
  let best = Number.MAX_SAFE_INTEGER;
  let bestAt = Infinity;
  for (const o of ops)
    if (o.kind !== 'get' && o.revision !== undefined && o.invoke >= time && o.invoke < bestAt) {
      best = o.revision;
      bestAt = o.invoke;
    }
  return best;
}

/**
 * The moves from here: the calls before the first return, by {@link moveRanks}. If the first return ends an
 * unknown op's window, dropping that op comes first.
 */
function moves(
  head: Entry,
  ops: readonly RegisterOp[],
  rank: Float64Array,
): { moves: Move[]; blocker: Entry | null } {
  const calls: Move[] = [];
  let e = head.next;
  for (; e?.isCall; e = e.next) calls.push({ call: e, drop: false });
  calls.sort((a, b) => rank[a.call.op]! - rank[b.call.op]! || a.call.time - b.call.time);
  const expired = e && ops[e.op]!.ret === undefined ? [{ call: e.match!, drop: true }] : [];
  return { moves: expired.concat(calls), blocker: e };
}

/** The deepest point the search reached, for the explanation. */
interface Deepest {
  depth: number;
  state: RegisterState;
  blockedBy: number;
  pending: number[];
}

interface Frame {
  readonly moves: Move[];
  readonly tried: number;
  readonly state: RegisterState;
}

/** Null when the key's history is linearizable, else a description of where it fails. */
function checkKey(
  ops: readonly RegisterOp[],
  initial: RegisterState,
  window: number,
  deadline: number,
): string | null {
  const isKnown = (m: Move) => ops[m.call.op]!.ret !== undefined;
  const known = ops.reduce((n, o) => n + (o.ret === undefined ? 0 : 1), 0);
  const head = buildList(ops, window);
  const rank = moveRanks(ops);
  const lin = new Linearized(ops.length);
  const seen = new Map<string, Seen[]>();
  const stack: Frame[] = [];
  const deepest: Deepest = { depth: -1, state: initial, blockedBy: -1, pending: [] };
  let state = initial;
  let knownDone = 0;
  let next = moves(head, ops, rank);
  let i = 0;
  for (let n = 0; knownDone < known; n++) {
    if ((n & 0xfff) === 0 && Date.now() > deadline) return `gave up: ${explain(ops, deepest)}`;
    if (i < next.moves.length) {
      const move = next.moves[i]!;
      const after = move.drop ? state : step(state, ops[move.call.op]!);
      const exact = isKnown(move) || move.drop;
      lin.toggle(move.call.op, exact);
      if (after !== null && remember(seen, lin, after)) {
        stack.push({ moves: next.moves, tried: i, state });
        state = after;
        if (isKnown(move)) knownDone++;
        lift(move.call);
        next = moves(head, ops, rank);
        i = 0;
      } else {
        lin.toggle(move.call.op, exact);
        i++;
      }
      continue;
    }
    // Every move tried: the first return cannot be reached from here; undo the latest choice.
    if (stack.length > deepest.depth && next.blocker) {
      const pending = next.moves.filter((m) => !m.drop).map((m) => m.call.op);
      Object.assign(deepest, { depth: stack.length, state, blockedBy: next.blocker.op, pending });
    }
    const top = stack.pop();
    if (!top) return explain(ops, deepest);
    const undone = top.moves[top.tried]!;
    lin.toggle(undone.call.op, isKnown(undone) || undone.drop);
    if (isKnown(undone)) knownDone--;
    unlift(undone.call);
    state = top.state;
    next = { moves: top.moves, blocker: null };
    i = top.tried + 1;
  }
  return null;
}

function explain(ops: readonly RegisterOp[], d: Deepest): string {
  const blocked = ops[d.blockedBy]!;
  const others = d.pending
    .filter((i) => i !== d.blockedBy)
    .map((i) => `\n  concurrent: ${describeOp(ops[i]!)}`);
  const from = Math.min(blocked.invoke, ...d.pending.map((i) => ops[i]!.invoke));
  return (
    `not linearizable in [${from}, ${blocked.ret}]: after ${d.depth} ops the key is ${describeState(d.state)}, ` +
    `and no order of the ops still open lets this one take effect:\n  ${describeOp(blocked)}${others.join('')}`
  );
}
