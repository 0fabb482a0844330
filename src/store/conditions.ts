import type { KeySpan } from '../keys/key-order.js';
import type { KeyHead } from './write-view.js';

/** A condition on one key for a conditional Set or Delete. */
export type Condition =
  | { readonly kind: 'absent' }
  | { readonly kind: 'version'; readonly version: number }
  | { readonly kind: 'modRevision'; readonly modRevision: number }
  | { readonly kind: 'value'; readonly value: Uint8Array };

/** What a Txn compare looks at, and how (etcd's Compare). */
export interface Compare {
  readonly key: string;
  /** Compare every key of this span instead (etcd's range_end); `key` is then the span's first key. */
  readonly span?: KeySpan;
  /** etcd's rule: a value compare on a key that does not exist fails, whatever its op. */
  readonly absentValueFails?: boolean;
  readonly target: 'value' | 'version' | 'createRevision' | 'modRevision' | 'lease';
  readonly op: 'equal' | 'notEqual' | 'greater' | 'less';
  /** A number for the revision, version and lease targets, bytes for `value`. */
  readonly operand: number | Uint8Array;
}

/** A condition did not hold; nothing was written. Carries the key's state at the serialisation point. */
export class ConditionFailedError extends Error {
  constructor(
    readonly key: string,
    readonly condition: string,
    /** The key's metadata when the condition was checked (null: the key did not exist). */
    readonly current: { readonly modRevision: number; readonly version: number } | null,
    /** The revision the check saw; the answer waits until it is durable. */
    readonly basedOn: number,
  ) {
    super(
      `key "${key}": condition ${condition} does not hold (` +
        (current
          ? `current mod_revision ${current.modRevision}, version ${current.version})`
          : 'the key does not exist)'),
    );
    this.name = 'ConditionFailedError';
  }
}

/** Checks `condition` against a live head (null = absent) seen at `basedOn`; throws {@link ConditionFailedError}. */
export function checkCondition(
  key: string,
  condition: Condition,
  head: KeyHead | null,
  value: () => Uint8Array | null,
  basedOn: number,
): void {
  let holds: boolean;
  let text: string;
  switch (condition.kind) {
    case 'absent':
      holds = head === null;
      text = 'absent';
      break;
    case 'version':
      holds = (head?.version ?? 0) === condition.version;
      text = `version == ${condition.version}`;
      break;
    case 'modRevision':
      holds = (head?.modRevision ?? 0) === condition.modRevision;
      text = `mod_revision == ${condition.modRevision}`;
      break;
    case 'value': {
      const current = head === null ? null : value();
      holds = current !== null && Buffer.compare(current, condition.value) === 0;
      text = 'value == <given bytes>';
      break;
    }
  }
  if (!holds) {
    throw new ConditionFailedError(
      key,
      text,
      head && { modRevision: head.modRevision, version: head.version },
      basedOn,
    );
  }
}

/**
 * Evaluates a Txn compare. An absent key has version, create and mod revision 0, lease 0 and no value: a
 * value compare against it holds only for `notEqual`. `lease` tells the key's lease (0: none).
 */
export function evaluateCompare(
  compare: Compare,
  head: KeyHead | null,
  value: () => Uint8Array | null,
  lease: () => number = () => 0,
): boolean {
  let order: number;
  if (compare.target === 'value') {
    const current = head === null ? null : value();
    if (current === null) return compare.op === 'notEqual';
    order = Buffer.compare(current, compare.operand as Uint8Array);
  } else {
    const current = head === null ? 0 : compare.target === 'lease' ? lease() : head[compare.target];
    order = Math.sign(current - (compare.operand as number));
  }
  switch (compare.op) {
    case 'equal':
      return order === 0;
    case 'notEqual':
      return order !== 0;
    case 'greater':
      return order > 0;
    case 'less':
      return order < 0;
  }
}
