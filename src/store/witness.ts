/**
 * Durable witnesses: files outside the log that prove the store acknowledged revisions up to some number
 * (a checkpoint, the NATS publish cursor). A witness ahead of the log proves the log lost acknowledged
 * writes; start-up refuses to serve such a log as if nothing happened, and never reuses those revisions.
 */

/** One witness's claim: every revision up to `revision` was committed. */
export interface Witness {
  readonly revision: number;
  /** The file that proves it, for messages. */
  readonly source: string;
}

/** Reads one kind of witness; undefined when it has nothing to say (no file). */
export type WitnessReader = () => Promise<Witness | undefined>;

/** What a loss of acknowledged writes looks like: the log ends at `logRevision`, witnesses go further. */
export interface LogLoss {
  readonly logRevision: number;
  /** The highest revision a witness proves. */
  readonly revision: number;
  /** Every witness ahead of the log, highest first. */
  readonly witnesses: readonly Witness[];
}

/** The loss the witnesses prove against a log ending at `logRevision`, or null when none is ahead. */
export function findLoss(logRevision: number, witnesses: readonly (Witness | undefined)[]): LogLoss | null {
  const ahead = witnesses
    .filter((w): w is Witness => w !== undefined && w.revision > logRevision)
    .sort((a, b) => b.revision - a.revision);
  if (ahead.length === 0) return null;
  return { logRevision, revision: ahead[0]!.revision, witnesses: ahead };
}

/** "revisions 211..240 (checkpoints/checkpoint-...240.kvc shows revision 240, ...)" */
export function describeLoss(loss: LogLoss): string {
  const first = loss.logRevision + 1;
  const range = first === loss.revision ? `revision ${first}` : `revisions ${first}..${loss.revision}`;
  const proofs = loss.witnesses.map((w) => `${w.source} shows revision ${w.revision}`).join(', ');
  const verb = first === loss.revision ? 'is' : 'are';
  return `the log ends at revision ${loss.logRevision}, but acknowledged writes went further: ${range} ${verb} lost from the log (${proofs})`;
}
