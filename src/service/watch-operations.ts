import { InvalidArgumentError } from '../store/errors.js';
import type { Limits } from '../store/limits.js';
import { validateKey, validateSpan } from '../store/limits.js';
import type { WatchFilter, WatchSelector } from '../streams/watch-filter.js';
import type { WatchHub } from '../streams/watch-hub.js';
import type { WatchEnd, WatchStream } from '../streams/watch-source.js';
import type { Watcher } from '../streams/watcher.js';
import type { Access } from './access.js';
import { spanOf } from './convert.js';
import { ServiceError } from './errors.js';
import type { WatchInput } from './types.js';

/** Reads a watch request into a filter; throws InvalidArgumentError naming the field. */
export function watchFilter(request: WatchInput, limits: Limits): WatchFilter {
  let selector: WatchSelector;
  if (request.key !== '') {
    if (request.prefix !== '' || request.start !== '' || request.end !== '') {
      throw new InvalidArgumentError(
        'key',
        'cannot be combined with prefix or start/end (watch one of them)',
      );
    }
    selector = { kind: 'key', key: validateKey(request.key, limits) };
  } else {
    selector = validateSpan(spanOf(request), limits);
  }
  if (!Number.isInteger(request.start_revision) || request.start_revision < 0) {
    throw new InvalidArgumentError(
      'start_revision',
      `is ${request.start_revision}; must be 0 (from now) or a revision >= 1`,
    );
  }
  if (
    request.progress_interval_ms !== 0 &&
    (request.progress_interval_ms < 100 || request.progress_interval_ms > 3_600_000)
  ) {
    throw new InvalidArgumentError(
      'progress_interval_ms',
      `is ${request.progress_interval_ms}; must be 0 (server default) or from 100 to 3600000`,
    );
  }
  return { selector, noPut: request.no_put, noDelete: request.no_delete, prevKv: request.prev_kv };
}

/**
 * Starts a watch on `stream` (whose messages `hub` encodes for its transport). Throws InvalidArgumentError
 * before anything starts when the request is malformed, PERMISSION_DENIED when the caller may not read all
 * of what it watches. The transport calls {@link Watcher.cancelled} when
 * its client goes away.
 */
export function startWatch(
  hub: WatchHub,
  stream: WatchStream,
  request: WatchInput,
  limits: Limits,
  access: Access,
): { watcher: Watcher; filter: WatchFilter } {
  // A namespaced caller watches its keys under the prefix, and receives them without it.
  const ns = access.namespace;
  const filter = ns
    ? ns.watchFilter(watchFilter(ns.watchInput(request), limits))
    : watchFilter(request, limits);
  access.checkSelector('read', filter.selector);
  const watcher = hub.watch(stream, filter, request.start_revision, request.progress_interval_ms);
  return { watcher, filter };
}

/** Why a watch ended, as the error its client receives (null when it ended cleanly). */
export function watchEndError(reason: WatchEnd | undefined): ServiceError | null {
  if (!reason) return null;
  if (reason.kind === 'compacted') {
    return new ServiceError(
      'OUT_OF_RANGE',
      `start_revision: revision ${reason.requested} has been compacted; the oldest available is ` +
        `${reason.compactRevision}. List the keys for a fresh state, then watch from its revision + 1`,
      { 'compact-revision': String(reason.compactRevision) },
    );
  }
  if (reason.kind === 'failed') {
    // A damaged record is lost data, as for a backup reading it; a log unreadable for a minute (retried) is
    // unavailable, so the client comes back later from its last revision; anything else is the server's fault.
    return new ServiceError(
      reason.damaged ? 'DATA_LOSS' : reason.unavailable ? 'UNAVAILABLE' : 'INTERNAL',
      reason.message,
    );
  }
  return new ServiceError(
    'UNAVAILABLE',
    'the server is shutting down; reconnect and resume from the next revision',
  );
}
