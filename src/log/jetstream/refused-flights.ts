import type { Flight } from './flight.js';

/** What the node knows of the stream once it has caught up with it. */
export interface StreamView {
  /** The newest revision this node has applied. */
  applied(): number;
  /** The `Nats-Msg-Id` of the applied record at `revision`, when this node still remembers it. */
  msgIdAt(revision: number): string | undefined;
}

/** The refused flights, sorted by what became of them. */
export interface SortedFlights {
  /** Landed after all (the refusal answered a resend): answered with their record. */
  readonly landed: (Flight & { kind: 'record' })[];
  /** Lost for good, or a refusal decided on a lost one: built again, in order, at the front of the queue. */
  readonly again: Flight[];
  /** Their revision is still empty: sent again with the same ids, in order. */
  readonly stillOpen: Flight[];
  /** Out of time with the outcome unknown: answered UNAVAILABLE. */
  readonly expired: Flight[];
  /** A builder's refusal that holds (the flights it was decided on landed): answered with its error. */
  readonly refused: (Flight & { kind: 'refusal' })[];
}

/**
 * Sorts flights refused as a lost race, in order, once the node has caught up with the stream: landed after
 * all (its message id holds its revision), lost for good (another record holds its revision, or it was
 * chained to one lost for good: built again), or still open (its revision is empty: an earlier send may yet
 * land there, as a leader change can commit a proposal late, so it is sent again with the same id rather
 * than rebuilt, which could write it twice). A flight built on the applied state rather than chained to the
 * flight before it (that one was already behind the tail) does not share that flight's fate: only its own
 * revision says whether it landed (rebuilding it wrote a Set twice: test/log/appender-interleavings.test.ts).
 */
export function sortRefused(flights: readonly Flight[], stream: StreamView, now: number): SortedFlights {
  const sorted: SortedFlights = { landed: [], again: [], stillOpen: [], expired: [], refused: [] };
  const lost = new Set<string>();
  let open: boolean | 'expired' = false;
  for (const f of flights) {
    if (f.kind === 'refusal') {
      // It decided on the flights before it: if one of them is lost, it decides again.
      if (lost.size > 0) sorted.again.push(f);
      else if (open === 'expired') sorted.expired.push(f);
      else if (open) sorted.stillOpen.push(f);
      else sorted.refused.push(f);
      continue;
    }
    const holder = stream.msgIdAt(f.record.revision);
    const chainedToLost = f.request.lastMsgId !== null && lost.has(f.request.lastMsgId);
    if (holder === f.request.msgId) {
      sorted.landed.push(f);
    } else if (chainedToLost || (holder !== undefined && f.record.revision <= stream.applied())) {
      lost.add(f.request.msgId);
      sorted.again.push(f);
    } else if (open === 'expired' || now > f.pending.deadline) {
      // Out of time with the outcome unknown (it may still land): UNAVAILABLE, as for any lost answer.
      open = 'expired';
      sorted.expired.push(f);
    } else {
      open = true;
      sorted.stillOpen.push(f);
    }
  }
  return sorted;
}
