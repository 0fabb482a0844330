import { KvError } from './errors.js';
import type { KeyMeta, Value } from './types.js';

/** Client-side batching of unconditional Sets (opt in with `connect({ batch })`). */
export interface BatchOptions {
  /** How long a Set may wait for others to join its batch (default 0: only those issued in the same turn). */
  readonly maxDelayMs?: number;
  /** Most Sets in one batch (default 256); a full batch is sent at once. */
  readonly maxItems?: number;
  /**
   * Batches sent and not yet answered before a partial one waits for an answer (default 1): Sets issued
   * meanwhile join the next batch, as the server's group commit does, instead of each going out alone.
   */
  readonly maxInFlight?: number;
}

/** One Set as the batcher sends it. */
export interface BatchItem {
  readonly key: string;
  readonly value: Value;
  readonly ttlMs?: number;
}

/** What the batcher needs of the client: SetMany, and a single Set to tell items apart after a refusal. */
export interface BatchSender {
  setMany(items: readonly BatchItem[]): Promise<{ revision: number; kvs: KeyMeta[] }>;
  set(item: BatchItem): Promise<{ revision: number; kv: KeyMeta }>;
}

interface Waiting {
  readonly item: BatchItem;
  readonly resolve: (r: { revision: number; kv: KeyMeta }) => void;
  readonly reject: (err: Error) => void;
}

/** Refusals that concern one item of a batch, not the batch: each item is then sent alone. */
const ITEM_REFUSALS = new Set(['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION']);

/**
 * Coalesces concurrent Sets into SetMany calls, each caller still getting its own answer: the revision of the
 * batch it went in (batched Sets share one revision, as one atomic write) or its own error. Order per key is
 * kept: a key is in at most one batch in flight, and a Set of a key already waiting or in flight goes in a
 * later batch, sent once the earlier one is answered. When the server refuses a batch for one item (a value
 * over a limit, an invalid key), every item of it is sent again alone, so only that item's caller sees the
 * error; when the outcome is unknown (UNAVAILABLE, a deadline), every caller of the batch gets that error.
 *
 * A batch goes out at the end of the turn its first Set was issued in when fewer than `maxInFlight` batches
 * await an answer; otherwise it keeps filling until one is answered (or it is full). A lone Set is sent at
 * once; Sets that arrive while the server commits earlier ones wait for that commit, which they would have
 * waited for on the server anyway, and share the next one.
 */
export class SetBatcher {
  private open: Waiting[] = [];
  private readonly openKeys = new Set<string>();
  /** Keys in a batch in flight; Sets of them wait in `later` until it is answered. */
  private readonly busyKeys = new Set<string>();
  private later: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  private readonly maxDelayMs: number;
  private readonly maxItems: number;
  private readonly maxInFlight: number;
  private inFlight = 0;

  constructor(
    private readonly sender: BatchSender,
    options: BatchOptions,
  ) {
    this.maxDelayMs = options.maxDelayMs ?? 0;
    this.maxItems = Math.max(1, options.maxItems ?? 256);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  /** Queues one Set; resolves with its batch's revision and its own metadata. */
  set(item: BatchItem): Promise<{ revision: number; kv: KeyMeta }> {
    return new Promise((resolve, reject) => {
      this.add({ item, resolve, reject });
    });
  }

  private add(w: Waiting): void {
    const key = w.item.key;
    if (this.busyKeys.has(key) || this.openKeys.has(key)) {
      // After the batch that holds the key: order per key is the order of the calls.
      this.later.push(w);
      return;
    }
    this.open.push(w);
    this.openKeys.add(key);
    if (this.open.length >= this.maxItems) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.maxDelayMs > 0) {
      this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // Otherwise the batch keeps filling: the next answer sends it.
      if (this.inFlight < this.maxInFlight) this.flush();
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.open.length === 0) return;
    const batch = this.open;
    this.open = [];
    this.openKeys.clear();
    for (const w of batch) this.busyKeys.add(w.item.key);
    this.inFlight++;
    void this.send(batch).finally(() => {
      this.inFlight--;
      for (const w of batch) this.busyKeys.delete(w.item.key);
      const waiting = this.later;
      this.later = [];
      for (const w of waiting) this.add(w);
      // What filled while this batch was out goes now (with maxDelayMs its timer sends it).
      if (this.open.length > 0 && this.timer === null && !this.scheduled) this.flush();
    });
  }

  private async send(batch: readonly Waiting[]): Promise<void> {
    if (batch.length === 1) {
      await this.alone(batch[0]!);
      return;
    }
    try {
      const r = await this.sender.setMany(batch.map((w) => w.item));
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve({ revision: r.revision, kv: r.kvs[i]! });
    } catch (err) {
      if (err instanceof KvError && ITEM_REFUSALS.has(err.codeName)) {
        // Nothing of the batch was written: each item alone tells whose it was.
        await Promise.all(batch.map((w) => this.alone(w)));
      } else {
        for (const w of batch) w.reject(err as Error);
      }
    }
  }

  private async alone(w: Waiting): Promise<void> {
    try {
      w.resolve(await this.sender.set(w.item));
    } catch (err) {
      w.reject(err as Error);
    }
  }
}
