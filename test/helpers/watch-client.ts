import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { KVClient } from '../../src/api/generated/kvstore/v1/KV.js';
import type { WatchRequest } from '../../src/api/generated/kvstore/v1/WatchRequest.js';
import type { WatchResponse__Output } from '../../src/api/generated/kvstore/v1/WatchResponse.js';

/** A watch stream that records every message, for tests. */
export interface RecordedWatch {
  readonly stream: ClientReadableStream<WatchResponse__Output>;
  readonly messages: WatchResponse__Output[];
  /** Set when the stream ended with an error. */
  error: ServiceError | null;
  /** Resolves once a message satisfies `predicate` (checked against every message so far, then new ones). */
  until(predicate: (m: WatchResponse__Output) => boolean, timeoutMs?: number): Promise<WatchResponse__Output>;
  /** Resolves with the error the stream ends with. */
  ended(timeoutMs?: number): Promise<ServiceError | null>;
  cancel(): void;
}

export function recordWatch(kv: KVClient, request: WatchRequest): RecordedWatch {
  const stream = kv.Watch(request);
  const messages: WatchResponse__Output[] = [];
  const waiters: (() => void)[] = [];
  let done = false;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const recorded: RecordedWatch = {
    stream,
    messages,
    error: null,
    async until(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (done)
          throw new Error(`watch ended (${recorded.error?.details ?? 'ok'}) before the expected message`);
        if (Date.now() > deadline)
          throw new Error(`no matching watch message within ${timeoutMs} ms (${messages.length} received)`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    async ended(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done) {
        if (Date.now() > deadline) throw new Error('watch did not end');
        await new Promise((r) => setTimeout(r, 20));
      }
      return recorded.error;
    },
    cancel: () => stream.cancel(),
  };
  stream.on('data', (m: WatchResponse__Output) => {
    messages.push(m);
    wake();
  });
  stream.on('error', (err: ServiceError) => {
    recorded.error = err;
    done = true;
    wake();
  });
  stream.on('end', () => {
    done = true;
    wake();
  });
  return recorded;
}

/** The revisions delivered, in arrival order: one entry per revision (events of a revision collapsed). */
export function eventRevisions(messages: readonly WatchResponse__Output[]): number[] {
  const out: number[] = [];
  for (const m of messages) {
    for (const e of m.events) {
      const revision = e.kv!.mod_revision;
      if (out.at(-1) !== revision) out.push(revision);
    }
  }
  return out;
}

/** Every event delivered, in order, as "TYPE key@revision". */
export function eventList(messages: readonly WatchResponse__Output[]): string[] {
  return messages.flatMap((m) => m.events.map((e) => `${e.type} ${e.kv!.key}@${e.kv!.mod_revision}`));
}
