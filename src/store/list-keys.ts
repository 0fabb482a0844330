import type { KeySpan } from '../keys/key-order.js';
import { compareKeys, spanContains, spanEnded, spanStart } from '../keys/key-order.js';
import type { KeyEntry } from '../projections/key-entry.js';
import { isLive } from '../projections/key-entry.js';
import type { KeyIndex } from '../projections/key-index.js';

/** A List request: which keys, how many, from where. */
export interface ListOptions {
  /** Keys to list; default every key. */
  readonly span?: KeySpan;
  /** Most entries to return; 0 or absent: the server default. */
  readonly limit?: number;
  /** Continue after this key (the `next` of a previous page). */
  readonly after?: string;
  /** Also count every key in the span (costs a scan of the span). */
  readonly count?: boolean;
  /** Stop adding entries once keys and values reach this many bytes (at least one entry is returned). */
  readonly maxBytes?: number;
}

/** One page of a List. */
export interface ListResult {
  readonly revision: number;
  readonly entries: KeyEntry[];
  /** Key to pass as `after` for the next page; undefined when this page is the last. */
  readonly next: string | undefined;
  /** Number of live keys in the whole span, when asked for. */
  readonly count: number | undefined;
}

/**
 * One page of the live keys of `span` (already validated) in key order, at most `limit` of them. The scan
 * starts at the span's first key (or just after `after`) and stops at the first key past the span, so it
 * costs O(log n + k); expired keys and, for a pattern, keys under its prefix that do not match are skipped.
 */
export function listKeys(
  index: KeyIndex,
  span: KeySpan,
  limit: number,
  options: Pick<ListOptions, 'after' | 'count' | 'maxBytes'>,
  now: number,
): Omit<ListResult, 'revision'> {
  const start = spanStart(span);
  const resume = options.after !== undefined && compareKeys(options.after, start) >= 0;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const entries: KeyEntry[] = [];
  let bytes = 0;
  let next: string | undefined;
  for (const entry of index.scan(resume ? options.after! : start, resume)) {
    if (spanEnded(span, entry.key)) break;
    if (!spanContains(span, entry.key) || !isLive(entry, now)) continue;
    if (entries.length === limit || bytes >= maxBytes) {
      next = entries[entries.length - 1]!.key;
      break;
    }
    entries.push(entry);
    bytes += entry.key.length + entry.value.length;
  }
  return { entries, next, count: options.count ? countKeys(index, span, now) : undefined };
}

/** Number of live keys in `span`. */
export function countKeys(index: KeyIndex, span: KeySpan, now: number): number {
  let n = 0;
  for (const entry of index.scan(spanStart(span))) {
    if (spanEnded(span, entry.key)) break;
    if (spanContains(span, entry.key) && isLive(entry, now)) n++;
  }
  return n;
}
