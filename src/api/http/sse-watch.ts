import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { WatchInput } from '../../service/types.js';
import { startWatch, watchEndError } from '../../service/watch-operations.js';
import { InvalidArgumentError } from '../../store/errors.js';
import type { Limits } from '../../store/limits.js';
import type { PrevState, WatchBatch, WatchEncoder, WatchedEvent } from '../../streams/watch-batch.js';
import type { WatchHub } from '../../streams/watch-hub.js';
import type { WatchEnd, WatchStream } from '../../streams/watch-source.js';
import type { ApiRequest } from './api-request.js';
import { valueFields } from './json-values.js';

/**
 * Watch over Server-Sent Events. Each revision is one SSE message whose `id:` is the revision, so a client
 * that reconnects with `Last-Event-ID: R` (the browser's EventSource does it by itself) resumes at R + 1
 * with no gap and no duplicate. `event: progress` messages (also with an `id:`) say that nothing the watch
 * wants happened up to their revision; `: heartbeat` comments keep idle connections open through proxies;
 * `event: compacted` says the start revision is gone (list the keys, then watch from the list's revision
 * + 1); `event: end` says why the server ended the stream (shutting down: reconnect).
 */

const TYPES = { put: 'PUT', delete: 'DELETE', expire: 'EXPIRE' } as const;

function prevJson(p: PrevState) {
  return {
    key: p.key,
    ...valueFields(p.value),
    create_revision: p.createRevision,
    mod_revision: p.modRevision,
    version: p.version,
    expires_at_ms: p.expiresAt,
  };
}

function eventJson(e: WatchedEvent) {
  return {
    type: TYPES[e.type],
    kv: e.put
      ? {
          key: e.key,
          ...valueFields(e.put.value),
          create_revision: e.put.createRevision,
          mod_revision: e.revision,
          version: e.put.version,
          expires_at_ms: e.put.expiresAt,
        }
      : { key: e.key, mod_revision: e.revision },
    ...(e.prev ? { prev_kv: prevJson(e.prev) } : {}),
  };
}

/** A progress note as an SSE message. */
function progressMessage(revision: number): string {
  return `id: ${revision}\nevent: progress\ndata: {"revision":${revision}}\n\n`;
}

/** Encodes a watch batch as SSE messages, one per revision (encoded once for every watcher of a group). */
export const encodeSseBatch: WatchEncoder = (batch: WatchBatch) => {
  if (batch.progress) return Buffer.from(progressMessage(batch.revision));
  let out = '';
  const events = batch.events;
  let i = 0;
  while (i < events.length) {
    const revision = events[i]!.revision;
    const group = [];
    while (i < events.length && events[i]!.revision === revision) group.push(eventJson(events[i++]!));
    // JSON.stringify escapes line breaks, so the data is one line.
    out += `id: ${revision}\ndata: ${JSON.stringify({ revision, events: group })}\n\n`;
  }
  return Buffer.from(out);
};

class SseStream implements WatchStream {
  private opened = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly onEnd: () => void,
  ) {}

  /** Sends the headers and the reconnect delay (1 s), once, before anything else. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    this.res.write('retry: 1000\n\n');
  }

  write(message: Buffer | string): boolean {
    this.open();
    return this.res.write(message);
  }

  bufferedBytes(): number {
    return this.res.writableLength;
  }

  onceDrained(listener: () => void): void {
    this.res.once('drain', listener);
  }

  end(reason?: WatchEnd): void {
    const error = watchEndError(reason);
    if (error !== null && !this.res.writableEnded) {
      this.open();
      const name = reason?.kind === 'compacted' ? 'compacted' : 'end';
      const data: Record<string, unknown> = {
        code: error.code,
        message: error.message,
        details: error.details,
      };
      if (reason?.kind === 'compacted') data.compact_revision = reason.compactRevision;
      this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    }
    this.onEnd();
    this.res.end();
  }
}

/** What the SSE watch serves from. */
export interface SseWatchDeps {
  /** A watch hub whose encoder is {@link encodeSseBatch}. */
  readonly hub: WatchHub;
  readonly limits: Limits;
  /** The store's revision now. */
  readonly revision: () => number;
  readonly heartbeatMs: number;
  readonly logger: Logger;
}

/** The start revision: after `Last-Event-ID` (header or `last_event_id`) when given, else `start_revision`. */
function startRevisionOf(r: ApiRequest): number {
  const last = r.param('last-event-id') ?? r.url.searchParams.get('last_event_id') ?? undefined;
  if (last !== undefined && last !== '') {
    if (!/^\d+$/.test(last.trim()))
      throw new InvalidArgumentError('Last-Event-ID', `is "${last}"; must be a revision this server sent`);
    return Number(last) + 1;
  }
  return r.url.searchParams.has('from_revision') ? r.int('from_revision') : r.int('start_revision');
}

/** GET /v1/watch: validates the request (400 before the stream starts), then streams. */
export function serveSseWatch(r: ApiRequest, deps: SseWatchDeps): null {
  const request: WatchInput = {
    key: r.string('key'),
    prefix: r.string('prefix'),
    start: r.string('start'),
    end: r.string('end'),
    pattern: r.string('pattern'),
    start_revision: startRevisionOf(r),
    no_put: r.bool('no_put'),
    no_delete: r.bool('no_delete'),
    prev_kv: r.bool('prev_kv'),
    progress_interval_ms: r.int('progress_interval_ms'),
  };
  const res = r.res;
  let heartbeat: NodeJS.Timeout | undefined;
  const stop = () => clearInterval(heartbeat);
  const stream = new SseStream(res, stop);
  const now = deps.revision();
  // Throws (400) before anything is written when the request is malformed.
  const { watcher, filter } = startWatch(deps.hub, stream, request, deps.limits, r.access);
  if (res.writableEnded) return null; // ended at once (compacted, or the server is shutting down)
  // From now: the revision it starts after, so a reconnect resumes without a gap even before the first
  // change.
  stream.write(request.start_revision === 0 ? progressMessage(now) : ': watching\n\n');
  heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), deps.heartbeatMs);
  heartbeat.unref();
  deps.logger.debug(
    { selector: filter.selector, startRevision: request.start_revision },
    'sse watch started',
  );
  res.on('close', () => {
    stop();
    watcher.cancelled();
  });
  return null;
}
