/**
 * The read index of a shared log (JetStream, PostgreSQL), as etcd's: the revision a linearizable read must
 * wait for is the newest one committed anywhere, learnt by a round trip to the log's authority (the stream
 * leader, the database) that started after the read did.
 * Reads that arrive while a round trip is in flight share the next one, so any number of concurrent reads
 * cost at most two round trips in flight.
 */
export class ReadIndex {
  private current: Promise<number> | null = null;
  private queued: Promise<number> | null = null;

  constructor(private readonly fetchHead: () => Promise<number>) {}

  /** Resolves with a revision at least as new as every write acknowledged before this call. */
  next(): Promise<number> {
    if (this.current === null) return this.start();
    // The round trip in flight may have been answered before this read began: it joins the next one.
    this.queued ??= this.current
      .catch(() => {})
      .then(() => {
        this.queued = null;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<number> {
    const trip = this.fetchHead().finally(() => {
      if (this.current === trip) this.current = null;
    });
    this.current = trip;
    return trip;
  }
}
