import { describe, expect, it } from 'vitest';
import { checkLinearizable, type RegisterOp } from './linearizability.js';
import { prng, simulateHistory } from './register-history.js';

const k = 'k';
const set = (invoke: number, ret: number | undefined, value: string, revision?: number): RegisterOp => ({
  kind: 'set',
  key: k,
  invoke,
  ret,
  value,
  revision: ret === undefined ? undefined : revision,
});
const get = (invoke: number, ret: number, value: string | null, modRevision = 0): RegisterOp => ({
  kind: 'get',
  key: k,
  invoke,
  ret,
  value,
  modRevision,
});
const cas = (
  invoke: number,
  ret: number | undefined,
  expectRev: number,
  value: string,
  succeeded?: boolean,
  revision?: number,
): RegisterOp => ({
  kind: 'cas',
  key: k,
  invoke,
  ret,
  value,
  expect: { modRevision: expectRev },
  succeeded,
  revision,
});
const del = (invoke: number, ret: number | undefined, deleted?: boolean, revision?: number): RegisterOp => ({
  kind: 'delete',
  key: k,
  invoke,
  ret,
  deleted,
  revision,
});

describe('linearizability checker: small histories', () => {
  it('accepts sequential and overlapping histories that have a valid order', () => {
    expect(
      checkLinearizable([set(0, 1, 'a', 1), get(2, 3, 'a', 1), del(4, 5, true, 2), get(6, 7, null)]).ok,
    ).toBe(true);
    // A read overlapping a write may see either value.
    const overlap = [set(0, 1, 'a', 1), set(2, 10, 'b', 2), get(3, 4, 'b', 2), get(5, 6, 'b', 2)];
    expect(checkLinearizable(overlap).ok).toBe(true);
    expect(checkLinearizable([set(0, 1, 'a', 1), set(2, 10, 'b', 2), get(3, 4, 'a', 1)]).ok).toBe(true);
    // Two concurrent CAS from the same revision: one wins, the other fails.
    const race = [set(0, 1, 'a', 1), cas(2, 5, 1, 'x', true, 2), cas(2, 5, 1, 'y', false), get(6, 7, 'x', 2)];
    expect(checkLinearizable(race).ok).toBe(true);
    // A CAS on a value, and on absence.
    const byValue: RegisterOp = {
      kind: 'cas',
      key: k,
      invoke: 2,
      ret: 3,
      value: 'b',
      expect: { value: 'a' },
    };
    const absent: RegisterOp = {
      kind: 'cas',
      key: 'j',
      invoke: 0,
      ret: 1,
      value: 'z',
      expect: { value: null },
    };
    expect(
      checkLinearizable([set(0, 1, 'a', 1), { ...byValue, succeeded: true, revision: 3 }, absent]).ok,
    ).toBe(true);
  });

  it('rejects a stale read after a completed write', () => {
    const history = [set(0, 1, 'a', 1), set(2, 3, 'b', 2), get(4, 5, 'a', 1)];
    const r = checkLinearizable(history);
    expect(r).toMatchObject({ ok: false, key: k });
    expect(r.explanation).toContain('stale read: get -> "a" @1 [4, 5]');
    const searched = checkLinearizable(history, { searchOnly: true });
    expect(searched.explanation).toContain('not linearizable in [4, 5]');
  });

  it('rejects two successful CAS from the same expected revision', () => {
    const r = checkLinearizable([set(0, 1, 'a', 1), cas(2, 5, 1, 'x', true, 2), cas(2, 5, 1, 'y', true, 3)]);
    expect(r.ok).toBe(false);
  });

  it('rejects a read of a value never written, and a revision that goes backwards', () => {
    expect(checkLinearizable([set(0, 1, 'a', 1), get(2, 3, 'ghost', 1)]).ok).toBe(false);
    expect(checkLinearizable([set(0, 1, 'a', 5), set(2, 3, 'b', 4)]).ok).toBe(false);
    // The same (value, revision) cannot come back once overwritten, even if the value is written again.
    expect(checkLinearizable([set(0, 1, 'a', 1), set(2, 3, 'a', 2), get(4, 5, 'a', 1)]).ok).toBe(false);
  });

  it('rejects a failed CAS that should have matched, and a delete of an absent key that says deleted', () => {
    expect(checkLinearizable([set(0, 1, 'a', 1), cas(2, 3, 1, 'x', false)]).ok).toBe(false);
    expect(checkLinearizable([del(0, 1, true, 1)]).ok).toBe(false);
  });

  it('lets an unknown-outcome write take effect later, or never', () => {
    // Took effect, and long after its invoke: a read after two others sees it.
    const late = [set(0, 1, 'a', 1), set(2, undefined, 'b'), get(3, 4, 'a', 1), get(10, 11, 'b', 7)];
    expect(checkLinearizable(late).ok).toBe(true);
    // Never took effect.
    expect(checkLinearizable([set(0, 1, 'a', 1), set(2, undefined, 'b'), get(10, 11, 'a', 1)]).ok).toBe(true);
    // An unknown CAS only takes effect if its compare matched at some point after its invoke.
    const casLost = [set(0, 1, 'a', 1), cas(2, undefined, 1, 'x'), get(5, 6, 'x', 2)];
    expect(checkLinearizable(casLost).ok).toBe(true);
    const cannot = [set(0, 1, 'a', 1), cas(2, undefined, 9, 'x'), get(5, 6, 'x', 2)];
    expect(checkLinearizable(cannot).ok).toBe(false);
    // But not before it was sent.
    expect(checkLinearizable([get(0, 1, 'b', 1), set(2, undefined, 'b')]).ok).toBe(false);
    // An unknown delete, both ways.
    expect(checkLinearizable([set(0, 1, 'a', 1), del(2, undefined), get(5, 6, null)]).ok).toBe(true);
    expect(checkLinearizable([set(0, 1, 'a', 1), del(2, undefined), get(5, 6, 'a', 1)]).ok).toBe(true);
    // An unknown write, once observed, fixes its revision: a second read must agree.
    expect(checkLinearizable([set(0, undefined, 'b'), get(5, 6, 'b', 3), get(7, 8, 'b', 4)]).ok).toBe(false);
  });

  it('with a window, an unknown-outcome write cannot take effect after the window ends', () => {
    // 'b' is seen after 'c', written at [20, 21]: so 'b' landed after 20.
    const late = [set(0, 1, 'a', 1), set(2, undefined, 'b'), set(20, 21, 'c', 3), get(50, 51, 'b', 4)];
    expect(checkLinearizable(late).ok).toBe(true);
    expect(checkLinearizable(late, { unknownWindow: 100 }).ok).toBe(true);
    expect(checkLinearizable(late, { unknownWindow: 10 }).ok).toBe(false);
    const never = [set(0, 1, 'a', 1), set(2, undefined, 'b'), get(50, 51, 'a', 1)];
    expect(checkLinearizable(never, { unknownWindow: 10 }).ok).toBe(true);
  });

  it('checks keys independently and starts from a given state', () => {
    const other: RegisterOp = { kind: 'get', key: 'other', invoke: 0, ret: 1, value: 'x', modRevision: 3 };
    expect(checkLinearizable([other]).ok).toBe(false);
    const initial = new Map([['other', { value: 'x', modRevision: 3 }]]);
    expect(checkLinearizable([other, set(0, 1, 'a', 4)], { initial }).ok).toBe(true);
  });
});

describe('linearizability checker: simulated histories', () => {
  it('accepts histories of a correct register and rejects each one with a corrupted read', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const ops = simulateHistory({ ops: 300, clients: 5, keys: 3, unknownRate: 0.05, seed });
      // Lost ops of the simulation land within 50 time units of their invoke, if at all.
      for (const unknownWindow of [Infinity, 50]) {
        const verdict = checkLinearizable(ops, { unknownWindow });
        expect(verdict, `seed ${seed}: ${verdict.explanation}`).toEqual({ ok: true });
        const bad = corruptOneRead(ops, seed);
        expect(checkLinearizable(bad, { unknownWindow }).ok, `seed ${seed} corrupted`).toBe(false);
        expect(checkLinearizable(bad, { unknownWindow, searchOnly: true }).ok, `seed ${seed} search`).toBe(
          false,
        );
      }
    }
  });

  it('checks 2,000 ops per key quickly', () => {
    const ops = simulateHistory({ ops: 6_000, clients: 8, keys: 3, unknownRate: 0.02, seed: 7 });
    const started = performance.now();
    const verdict = checkLinearizable(ops);
    const ms = performance.now() - started;
    expect(verdict.ok).toBe(true);
    console.log(
      `checked ${ops.length} ops on 3 keys (8 clients, 2% unknown outcomes) in ${ms.toFixed(0)} ms`,
    );
    // Well under a second on an idle core; the bound leaves room for a busy CI machine.
    expect(ms).toBeLessThan(3_000);
  });
});

/**
 * Replaces one completed read with a read of a (value, revision) overwritten by a write that completed before
 * the read began (a stale read), or, when there is none, with a value nobody wrote: never linearizable.
 */
function corruptOneRead(ops: readonly RegisterOp[], seed: number): RegisterOp[] {
  const rnd = prng(seed * 31);
  const reads = ops.filter((o) => o.kind === 'get' && o.ret !== undefined);
  const victim = reads[Math.floor(rnd() * reads.length)]!;
  const overwritten = ops.filter(
    (o): o is Extract<RegisterOp, { kind: 'set' }> =>
      o.kind === 'set' &&
      o.key === victim.key &&
      o.revision !== undefined &&
      ops.some((w) => isLaterWrite(w, o) && w.ret !== undefined && w.ret < victim.invoke),
  );
  const stale = overwritten.at(-1);
  const replacement: RegisterOp = stale
    ? { ...victim, kind: 'get', value: stale.value, modRevision: stale.revision }
    : { ...victim, kind: 'get', value: 'never-written', modRevision: 1 };
  return ops.map((o) => (o === victim ? replacement : o));
}

/** A completed write to the same key with a higher revision than `w`. */
function isLaterWrite(o: RegisterOp, w: Extract<RegisterOp, { kind: 'set' }>): boolean {
  if (o.key !== w.key || o.kind === 'get' || o.revision === undefined) return false;
  return o.revision > w.revision!;
}
