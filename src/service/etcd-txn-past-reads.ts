import { ServiceError } from './errors.js';
import type { EtcdRangeInput, EtcdRangeOutput } from './etcd-messages.js';
import type { PastRead, PlannedOp, TxnPlan } from './etcd-txn.js';

/*
 * A Txn's ranges at past revisions are read before the Txn commits, not after: the state at a past revision
 * never changes, and a compaction that lands meanwhile can then only make the Txn refuse (its plan checks
 * again), never answer "compacted" once its writes are in, which a client would take for "nothing written".
 */

/** What the past ranges of a Txn's branches read before it ran. */
export interface PastRangeAnswers {
  /** Past revisions that could not be read (etcd's compacted or future-revision error), to plan again with. */
  readonly refused: ReadonlyMap<number, Error>;
  /** A past range's answer, its header at `headerRevision` (the op's, known once the Txn ran). */
  answer(range: EtcdRangeInput, headerRevision: number): EtcdRangeOutput | undefined;
}

const NONE: PastRangeAnswers = { refused: new Map(), answer: () => undefined };

/**
 * Reads every range at a past revision in both branches of `plan` (nested Txns included). A read refused
 * with an OUT_OF_RANGE error is noted in `refused`; any other failure fails the Txn, before it writes.
 */
export async function readPastRanges(plan: TxnPlan, read: PastRead): Promise<PastRangeAnswers> {
  const past: PlannedOp[] = [];
  collect(plan.success, past);
  collect(plan.failure, past);
  if (past.length === 0) return NONE;
  const answers = new Map<EtcdRangeInput, EtcdRangeOutput>();
  const refused = new Map<number, Error>();
  for (const op of past) {
    const { selector, revision } = op.past!;
    try {
      answers.set(op.range!, await read(selector, op.range!, revision, 0));
    } catch (err) {
      if (!(err instanceof ServiceError) || err.code !== 'OUT_OF_RANGE') throw err;
      refused.set(revision, err);
    }
  }
  return {
    refused,
    answer: (range, headerRevision) => {
      const got = answers.get(range);
      return got && { ...got, header: { ...got.header, revision: headerRevision } };
    },
  };
}

function collect(ops: readonly PlannedOp[], into: PlannedOp[]): void {
  for (const op of ops) {
    if (op.past) into.push(op);
    if (op.nested) {
      collect(op.nested.success, into);
      collect(op.nested.failure, into);
    }
  }
}
