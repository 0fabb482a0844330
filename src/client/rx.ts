import { Observable } from 'rxjs';
import type { KvClient } from './client.js';
import type { Selector } from './types.js';
import type { WatchEvent, WatchOptions } from './watch.js';

/**
 * A watch as an rxjs Observable: each subscription opens its own watch (cold), which reconnects and resumes
 * as {@link KvClient.watch} does; unsubscribing ends it. Errors with a CompactedError when the resume point
 * was compacted, or the server's error for a bad request.
 */
export function watchObservable(
  client: KvClient,
  selector: Selector,
  options: Omit<WatchOptions, 'signal'> = {},
): Observable<WatchEvent> {
  return new Observable<WatchEvent>((subscriber) => {
    const abort = new AbortController();
    const watch = client.watch(selector, { ...options, signal: abort.signal });
    (async () => {
      for await (const event of watch) {
        if (subscriber.closed) return;
        subscriber.next(event);
      }
      subscriber.complete();
    })().catch((err: unknown) => subscriber.error(err));
    return () => abort.abort();
  });
}
