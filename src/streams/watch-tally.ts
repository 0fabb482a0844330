/**
 * Running totals of one watch hub, for metrics: what its watchers sent and how often one was too slow for
 * the live feed. Shared by the hub's watchers (like the byte budget); only ever counts up.
 */
export class WatchTally {
  /** Events written to watch streams (an event sent to three watchers counts three times). */
  eventsSent = 0;
  /** Messages written to watch streams, progress notes included. */
  messagesSent = 0;
  /** Times a live watcher held too much and was demoted to reading the log (catch-up). */
  demotions = 0;
  /** Catch-up reads of the log that failed for a reason that may pass and were made again. */
  logReadRetries = 0;
}
