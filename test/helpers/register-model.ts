/**
 * The sequential specification of one key of the store, for the linearizability checker: a register with
 * get, set, compare-and-set and delete, whose writes carry the store's revision. Revisions are global and
 * increase with every write, so on one key a later write always has a higher revision than an earlier one and
 * a (value, revision) pair that was overwritten can never be read again.
 */

interface OpBase {
  readonly key: string;
  /** When the client sent the request (any monotonic clock, the same for every op). */
  readonly invoke: number;
  /** When the client got the answer; undefined when the outcome is unknown (timeout, connection lost). */
  readonly ret?: number;
}

/** A read: `value` null when the key was absent; undefined only when `ret` is. */
export interface GetOp extends OpBase {
  readonly kind: 'get';
  readonly value?: string | null;
  readonly modRevision?: number;
}

/** An unconditional write; `revision` is the new revision when the client recorded it. */
export interface SetOp extends OpBase {
  readonly kind: 'set';
  readonly value: string;
  readonly revision?: number;
}

/** Compare-and-set on the key's mod revision (0 = absent) or on its value (null = absent). */
export interface CasOp extends OpBase {
  readonly kind: 'cas';
  readonly value: string;
  readonly expect: { readonly modRevision: number } | { readonly value: string | null };
  readonly succeeded?: boolean;
  readonly revision?: number;
}

/** A delete; `deleted` says whether the key existed (undefined when not recorded). */
export interface DeleteOp extends OpBase {
  readonly kind: 'delete';
  readonly deleted?: boolean;
  readonly revision?: number;
}

/** One operation on one key, as a client saw it. */
export type RegisterOp = GetOp | SetOp | CasOp | DeleteOp;

/** Unknown revision of the latest write (written, but nobody has read its revision yet). */
const UNKNOWN = -1;

/**
 * The register's state: value (null = absent), mod revision of the latest write (UNKNOWN when the write's
 * revision was not recorded) and `floor`, a lower bound of the latest write's revision (every later write must
 * have a higher one).
 */
export interface RegisterState {
  readonly value: string | null;
  readonly rev: number;
  readonly floor: number;
}

/** The state of a key nobody has written. */
export const INITIAL_STATE: RegisterState = { value: null, rev: 0, floor: 0 };

/** A canonical string of a state, for memoisation. */
export function stateKey(s: RegisterState): string {
  return s.value === null ? `-|${s.rev}|${s.floor}` : `+${s.rev}|${s.floor}|${s.value}`;
}

/** What the op observed about the key's mod revision: does it agree with the state? Refines an UNKNOWN. */
function observeRev(s: RegisterState, rev: number): RegisterState | null {
  if (s.rev !== UNKNOWN) return s.rev === rev ? s : null;
  return rev > s.floor ? { ...s, rev, floor: rev } : null;
}

/** The state after a write with revision `rev` (undefined: not recorded), or null if it cannot be. */
function write(s: RegisterState, value: string | null, rev: number | undefined): RegisterState | null {
  if (rev === undefined) return { value, rev: value === null ? 0 : UNKNOWN, floor: s.floor };
  if (rev <= s.floor) return null;
  return { value, rev: value === null ? 0 : rev, floor: rev };
}

function compare(s: RegisterState, op: CasOp): RegisterState | null {
  if ('value' in op.expect) return s.value === op.expect.value ? s : null;
  if (op.expect.modRevision === 0) return s.value === null ? s : null;
  if (s.value === null) return null;
  return observeRev(s, op.expect.modRevision);
}

/**
 * Applies `op` to `s` assuming it took effect; null if the op's recorded outcome is impossible in `s`.
 * An op whose outcome is unknown is only ever applied as "took effect": not applying it at all is the
 * checker's other choice.
 */
export function step(s: RegisterState, op: RegisterOp): RegisterState | null {
  switch (op.kind) {
    case 'get':
      if (op.value === undefined) return s;
      if (op.value === null) return s.value === null ? s : null;
      if (s.value !== op.value) return null;
      return op.modRevision === undefined ? s : observeRev(s, op.modRevision);
    case 'set':
      return write(s, op.value, op.revision);
    case 'cas': {
      const matched = compare(s, op);
      if (op.succeeded === false) return matched === null || matchedOnlyByRefinement(s, op) ? s : null;
      return matched === null ? null : write(matched, op.value, op.revision);
    }
    case 'delete':
      if (op.deleted === false || (op.deleted === undefined && s.value === null))
        return s.value === null ? s : null;
      if (s.value === null) return null;
      return write(s, null, op.revision);
  }
}

/** A failed CAS on revision E against an UNKNOWN revision: the revision just was not E; nothing to refine. */
function matchedOnlyByRefinement(s: RegisterState, op: CasOp): boolean {
  return s.rev === UNKNOWN && 'modRevision' in op.expect && op.expect.modRevision !== 0 && s.value !== null;
}

/** A one-line description of an op, for explanations. */
export function describeOp(op: RegisterOp): string {
  const when = `[${op.invoke}, ${op.ret ?? '?'}]`;
  const rev = (r?: number) => (r === undefined ? '' : ` @${r}`);
  const val = (v: string | null | undefined) => (v === null ? '(absent)' : JSON.stringify(v));
  if (op.ret === undefined && op.kind !== 'get') return `${op.kind} ${describeInput(op)} -> unknown ${when}`;
  switch (op.kind) {
    case 'get':
      return `get -> ${op.value === undefined ? 'unknown' : val(op.value)}${rev(op.modRevision)} ${when}`;
    case 'set':
      return `set ${val(op.value)} -> ok${rev(op.revision)} ${when}`;
    case 'cas':
      return `cas ${describeInput(op)} -> ${op.succeeded === false ? 'failed' : 'ok'}${rev(op.revision)} ${when}`;
    case 'delete':
      return `delete -> ${op.deleted === false ? 'not found' : 'ok'}${rev(op.revision)} ${when}`;
  }
}

function describeInput(op: SetOp | CasOp | DeleteOp): string {
  if (op.kind === 'set') return JSON.stringify(op.value);
  if (op.kind === 'delete') return '';
  const e =
    'value' in op.expect ? `value=${JSON.stringify(op.expect.value)}` : `rev=${op.expect.modRevision}`;
  return `${JSON.stringify(op.value)} if ${e}`;
}

/** A state, readably. */
export function describeState(s: RegisterState): string {
  if (s.value === null) return `absent (last write >= @${s.floor})`;
  return `${JSON.stringify(s.value)} @${s.rev === UNKNOWN ? `? (> ${s.floor})` : s.rev}`;
}
