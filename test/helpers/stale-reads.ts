import { type CasOp, type DeleteOp, describeOp, type RegisterOp, type SetOp } from './register-model.js';

type Write = SetOp | CasOp | DeleteOp;

/**
 * A quick necessary condition, checked before the search so that the common violations are named at once
 * (proving a violation by search means exhausting every order, which is slow on long histories): revisions
 * rise with every write, so a read cannot see a revision lower than that of a write that completed before
 * the read began, and a read that names revision r must see the value the write with revision r wrote.
 * Null when no op breaks it.
 */
export function findStaleRead(ops: readonly RegisterOp[]): string | null {
  const writes = ops
    .filter((o): o is Write => o.kind !== 'get' && o.ret !== undefined && o.revision !== undefined)
    .sort((a, b) => a.ret! - b.ret!);
  const byRevision = new Map<number, Write>();
  for (const w of writes) byRevision.set(w.revision!, w);
  const reads = ops
    .filter((o) => o.kind === 'get' && o.ret !== undefined && o.value != null && o.modRevision !== undefined)
    .sort((a, b) => a.invoke - b.invoke);
  let w = 0;
  let newest: Write | undefined;
  for (const r of reads) {
    if (r.kind !== 'get') continue;
    for (; w < writes.length && writes[w]!.ret! < r.invoke; w++)
      if (!newest || writes[w]!.revision! > newest.revision!) newest = writes[w];
    if (newest && newest.revision! > r.modRevision!)
      return `stale read: ${describeOp(r)} began after this write had completed:\n  ${describeOp(newest)}`;
    const source = byRevision.get(r.modRevision!);
    if (source && (source.kind === 'delete' || source.value !== r.value))
      return `a read names revision ${r.modRevision} but not what was written there:\n  ${describeOp(r)}\n  ${describeOp(source)}`;
  }
  return null;
}
