import type { KeySpan } from '../keys/key-order.js';
import { spanContains } from '../keys/key-order.js';
import type { KeyEvent } from '../log/events.js';

/** Which keys a watch follows: one key, or a span (prefix or range). */
export type WatchSelector = { readonly kind: 'key'; readonly key: string } | KeySpan;

/** What a watcher asked for. */
export interface WatchFilter {
  readonly selector: WatchSelector;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly prevKv: boolean;
  /** A namespace's prefix taken off every key the watcher receives (it watches the keys of its tenant). */
  readonly stripPrefix?: string;
}

/** True when the watcher wants this event. */
export function wants(filter: WatchFilter, event: KeyEvent): boolean {
  if (event.type === 'put' ? filter.noPut : filter.noDelete) return false;
  const s = filter.selector;
  return s.kind === 'key' ? event.key === s.key : spanContains(s, event.key);
}

/** Watchers with equal signatures receive byte-identical messages, so each message is encoded once for all. */
export function signature(filter: WatchFilter): string {
  return JSON.stringify([filter.selector, filter.noPut, filter.noDelete, filter.prevKv]);
}
