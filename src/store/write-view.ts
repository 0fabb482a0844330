import type { LogEvent, LogRecord } from '../log/events.js';
import type { KeyState } from '../projections/key-state.js';

/** What a writer needs to know of a key's current incarnation. */
export interface KeyHead {
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly expiresAt: number;
}

/**
 * The state as the log's serialisation point sees it: the committed projection plus the records already
 * built into the batch being formed (not yet durable, so never shown to readers). Record builders use it to
 * stamp versions and check conditions; entries leave once their record is applied.
 */
export class WriteView {
  private readonly pending = new Map<string, { readonly revision: number; readonly head: KeyHead | null }>();

  constructor(private readonly state: KeyState) {}

  /** The key's head at the serialisation point, or null when it does not exist (expired or not). */
  head(key: string): KeyHead | null {
    const staged = this.pending.get(key);
    if (staged !== undefined) return staged.head;
    return this.state.get(key) ?? null;
  }

  /** Records the effect of a record being built at `revision`. */
  stage(revision: number, events: readonly LogEvent[]): void {
    for (const event of events) {
      const head =
        event.type === 'put'
          ? {
              createRevision: event.createRevision,
              modRevision: revision,
              version: event.version,
              expiresAt: event.expiresAt,
            }
          : null;
      this.pending.set(event.key, { revision, head });
    }
  }

  /** Drops staged heads that the projection now holds. */
  applied(records: readonly LogRecord[]): void {
    if (this.pending.size === 0) return;
    for (const record of records) {
      for (const event of record.events) {
        const staged = this.pending.get(event.key);
        if (staged !== undefined && staged.revision <= record.revision) this.pending.delete(event.key);
      }
    }
  }
}
