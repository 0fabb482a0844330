import type { KeyEntry } from './key-entry.js';

/**
 * A key due to expire: the deadline and the revision of the put that set it; or, with `lease`, a lease due
 * to expire (key '' and modRevision 0).
 */
export interface Deadline {
  readonly expiresAt: number;
  readonly key: string;
  readonly modRevision: number;
  readonly lease?: number;
}

/**
 * The TTL schedule of keys with a `ttl_ms` and of leases: a binary min-heap of deadlines. Overwritten or
 * deleted keys are not removed eagerly; a popped deadline is stale when the key's current `modRevision`
 * differs, and the caller skips it. A lease's deadline is not a fact of the log (keep-alives are not
 * logged): the schedule holds each lease's current one, and drops a popped one a keep-alive has moved.
 */
export class ExpirySchedule {
  private readonly heap: Deadline[] = [];
  private readonly leaseDeadlines = new Map<number, number>();

  get size(): number {
    return this.heap.length;
  }

  /** Adds the deadline of an entry that expires (entries without TTL are ignored). */
  add(entry: KeyEntry): void {
    if (entry.expiresAt === 0) return;
    this.heap.push({ expiresAt: entry.expiresAt, key: entry.key, modRevision: entry.modRevision });
    this.siftUp(this.heap.length - 1);
  }

  /** Sets lease `id`'s deadline (a grant, a keep-alive, a start-up), replacing the one before. */
  armLease(id: number, expiresAt: number): void {
    this.leaseDeadlines.set(id, expiresAt);
    this.heap.push({ expiresAt, key: '', modRevision: 0, lease: id });
    this.siftUp(this.heap.length - 1);
  }

  /** Lease `id`'s deadline, or undefined when it has none (it ended, or is not known). */
  leaseDeadline(id: number): number | undefined {
    return this.leaseDeadlines.get(id);
  }

  /** Forgets lease `id` (it ended). */
  forgetLease(id: number): void {
    this.leaseDeadlines.delete(id);
  }

  /** The earliest deadline, or undefined when nothing is scheduled. */
  next(): number | undefined {
    return this.heap[0]?.expiresAt;
  }

  /** Removes and returns up to `limit` deadlines at or before `nowMs`, earliest first. */
  takeDue(nowMs: number, limit: number): Deadline[] {
    const due: Deadline[] = [];
    while (due.length < limit && this.heap.length > 0 && this.heap[0]!.expiresAt <= nowMs) {
      const next = this.pop();
      // A lease deadline a keep-alive has moved since is dropped here, once.
      if (next.lease === undefined || this.leaseDeadlines.get(next.lease) === next.expiresAt) due.push(next);
    }
    return due;
  }

  clear(): void {
    this.heap.length = 0;
    this.leaseDeadlines.clear();
  }

  private pop(): Deadline {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(i: number): void {
    const item = this.heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heap[parent]!.expiresAt <= item.expiresAt) break;
      this.heap[i] = this.heap[parent]!;
      i = parent;
    }
    this.heap[i] = item;
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    const item = this.heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.heap[child + 1]!.expiresAt < this.heap[child]!.expiresAt) child++;
      if (this.heap[child]!.expiresAt >= item.expiresAt) break;
      this.heap[i] = this.heap[child]!;
      i = child;
    }
    this.heap[i] = item;
  }
}
