import type { Access } from './access.js';
import { classifyError } from './errors.js';

/** One line of the audit log: who did what to which keys, and how it ended. Never a value or a secret. */
export interface AuditEntry {
  /** The principal ("" when authentication is off or the caller was not identified). */
  readonly principal: string;
  /** The operation (`Set`, `Txn`, `etcd.Put`, `Backup`, ...) or, for a refusal at the gate, the gRPC path or HTTP route. */
  readonly method: string;
  /** Keys touched (at most {@link MAX_AUDIT_KEYS}; `keyCount` says how many there were). */
  readonly keys?: readonly string[];
  readonly keyCount?: number;
  /** A range or prefix touched, as a user wrote it. */
  readonly range?: string;
  /** `OK` or the error code answered. */
  readonly result: string;
  /** The revision a write committed at. */
  readonly revision?: number;
  /** Why a call was refused (the message said to the caller). */
  readonly reason?: string;
}

/** Where audit entries go (a file of JSON lines: src/server/audit-file.ts). */
export interface AuditSink {
  record(entry: AuditEntry): void;
}

/** No audit log (security.auditFile unset): operations skip every audit step. */
export const NO_AUDIT: AuditSink = { record() {} };

/** Keys listed per entry; a SetMany of 10 000 keys is one line, not 10 000. */
export const MAX_AUDIT_KEYS = 16;

/** What an operation touched, for its audit line: keys, a range or prefix as the user wrote it, or nothing. */
export interface AuditTarget {
  readonly keys?: readonly string[];
  readonly range?: string;
}

/**
 * Runs a write or an admin call, recording its outcome: one line whether it committed (with its revision)
 * or failed (with the code). With no audit log it is the call itself.
 */
export function audited<T>(
  audit: AuditSink,
  access: Access,
  method: string,
  target: AuditTarget,
  run: () => Promise<T>,
  revisionOf: (out: T) => number | undefined,
): Promise<T> {
  if (audit === NO_AUDIT) return run();
  const record = (result: string, revision?: number, reason?: string) =>
    audit.record({ principal: access.principal, method, ...targetFields(target), result, revision, reason });
  let pending: Promise<T>;
  try {
    pending = run();
  } catch (err) {
    record(classifyError(err).error.code, undefined, refusalReason(err));
    throw err;
  }
  return pending.then(
    (out) => {
      record('OK', revisionOf(out));
      return out;
    },
    (err: unknown) => {
      record(classifyError(err).error.code, undefined, refusalReason(err));
      throw err;
    },
  );
}

/** Runs a read; only a refusal (PERMISSION_DENIED) is recorded: reads that succeed are not audited. */
export function auditedRead<T>(
  audit: AuditSink,
  access: Access,
  method: string,
  target: AuditTarget,
  run: () => T,
): T {
  if (audit === NO_AUDIT) return run();
  try {
    return run();
  } catch (err) {
    const { code } = classifyError(err).error;
    if (code === 'PERMISSION_DENIED')
      audit.record({
        principal: access.principal,
        method,
        ...targetFields(target),
        result: code,
        reason: refusalReason(err),
      });
    throw err;
  }
}

function targetFields(target: AuditTarget): Pick<AuditEntry, 'keys' | 'keyCount' | 'range'> {
  const { keys, range } = target;
  if (keys === undefined || keys.length === 0) return range === undefined ? {} : { range };
  return keys.length <= MAX_AUDIT_KEYS
    ? { keys, range }
    : { keys: keys.slice(0, MAX_AUDIT_KEYS), keyCount: keys.length, range };
}

/** The message of a refusal (PERMISSION_DENIED, RESOURCE_EXHAUSTED...): it names no value and no secret. */
function refusalReason(err: unknown): string | undefined {
  const { error, expected } = classifyError(err);
  return expected && error.code !== 'FAILED_PRECONDITION' ? error.message : undefined;
}
