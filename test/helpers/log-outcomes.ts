/**
 * Settles what a history of register ops left open by reading the log itself, after every writer has
 * stopped: each write carries a value unique to its op, so the log says whether an op whose answer was lost
 * took effect, and at which revision. That turns a search over "took effect somewhere in a 40 s window, or
 * not" into known revisions (fast to check), and checks two promises on the way: an acknowledged write is
 * in the log at the revision its client was told, and a refused compare-and-set is not in the log at all.
 */
import { parseLogUrl } from '../../src/log/log-url.js';
import { openLog } from '../../src/log/open-log.js';
import type { RegisterOp } from './register-model.js';

/** Where a value was written: its key and the record's revision. */
export interface Landed {
  readonly key: string;
  readonly revision: number;
}

/** Every put in the log at `logUrl`, by value (values must be unique per write). */
export async function landedWrites(logUrl: string, dataDir: string): Promise<Map<string, Landed>> {
  const log = await openLog(parseLogUrl(logUrl), { dataDir });
  const landed = new Map<string, Landed>();
  try {
    for await (const record of log.read(log.compactRevision())) {
      for (const event of record.events) {
        if (event.type !== 'put') continue;
        const value = Buffer.from(event.value).toString();
        if (landed.has(value)) throw new Error(`value ${value} was written twice (a write applied twice)`);
        landed.set(value, { key: event.key, revision: record.revision });
      }
    }
  } finally {
    await log.close();
  }
  return landed;
}

/** The ops with every unknown outcome settled from the log, and the broken promises found on the way. */
export function settleOutcomes(
  ops: readonly RegisterOp[],
  landed: ReadonlyMap<string, Landed>,
): { ops: RegisterOp[]; broken: string[] } {
  const settled: RegisterOp[] = [];
  const broken: string[] = [];
  for (const op of ops) {
    if (op.kind !== 'set' && op.kind !== 'cas') {
      settled.push(op);
      continue;
    }
    const at = landed.get(op.value);
    if (at !== undefined && at.key !== op.key) broken.push(`${op.value} landed on ${at.key}, not ${op.key}`);
    const refused = op.kind === 'cas' && op.succeeded === false;
    if (refused) {
      if (at !== undefined) broken.push(`refused cas ${op.value} is in the log at @${at.revision}`);
      settled.push(op);
    } else if (op.ret !== undefined) {
      if (at?.revision !== op.revision)
        broken.push(
          `acknowledged ${op.kind} ${op.value} @${op.revision} is in the log at @${at?.revision ?? '-'}`,
        );
      settled.push(op);
    } else if (at !== undefined) {
      // Took effect: its revision is known, its answer time is not.
      settled.push(
        op.kind === 'cas'
          ? { ...op, revision: at.revision, succeeded: true }
          : { ...op, revision: at.revision },
      );
    }
    // An unknown op that is not in the log never took effect: it constrains nothing.
  }
  return { ops: settled, broken };
}
