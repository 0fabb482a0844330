import { LatencyHistogram } from './histogram.js';
import type { FromWorker, RunWindow, WatchResult } from './protocol.js';
import type { WatchHandle } from './targets/target.js';
import { loopDelayMonitor, stampedValue, toLocalMs, type WorkerContext } from './worker-context.js';

/** The watch role: watchers that time every event, and the single open-loop writer. */
export interface WatchLoop {
  /** Opens the watchers; posts `watching` once every one of them has seen the sync write. */
  open(watchersPerConn: readonly number[]): void;
  /** Counts events whose write was sent inside the window; resolves after it (and the drain). */
  measure(window: RunWindow): Promise<WatchResult>;
  /** The writer: sets stamped values at the watch rate through the window. */
  write(window: RunWindow): Promise<FromWorker>;
  /** Writes the sync value (stamp 0). */
  sync(): void;
  close(): void;
}

/** The watch and writer roles of a worker thread over `ctx`'s connections. */
export function watchLoop(ctx: WorkerContext): WatchLoop {
  const { options, target, keys, post } = ctx;
  const watches: WatchHandle[] = [];
  const watchTally = {
    events: 0,
    errors: 0,
    firstError: null as string | null,
    hist: new LatencyHistogram(),
  };
  let windowStartNs = -1n;
  let windowEndNs = -1n;
  let unsynced = 0;

  function openWatches(watchersPerConn: readonly number[]): void {
    watchersPerConn.forEach((count, conn) => {
      for (let i = 0; i < count; i++) {
        let synced = false;
        unsynced++;
        const handle = target.watch!(
          conn,
          options.keyPrefix,
          (values) => {
            const now = process.hrtime.bigint();
            for (const v of values) {
              if (v.length < 8) continue;
              const sent = v.readBigUInt64BE(0);
              if (sent === 0n) {
                // The writer's sync write: this watcher is live.
                if (!synced) {
                  synced = true;
                  if (--unsynced === 0) post({ type: 'watching' });
                }
              } else if (windowStartNs >= 0n && sent >= windowStartNs && sent < windowEndNs) {
                watchTally.events++;
                watchTally.hist.record(Number(now - sent) / 1000);
              }
            }
          },
          (err) => {
            watchTally.errors++;
            watchTally.firstError ??= err.message.slice(0, 300);
          },
        );
        watches.push(handle);
      }
    });
  }

  // The writer.

  function runWriter(window: RunWindow): Promise<FromWorker> {
    const measureNs = BigInt(window.measureNs);
    const endNs = BigInt(window.endNs);
    const endMs = toLocalMs(window.endNs);
    const interval = 1000 / options.watchRate;
    const hist = new LatencyHistogram();
    let writes = 0;
    let errors = 0;
    let firstError: string | null = null;
    let outstanding = 0;
    let seq = 0;
    let finished = false;
    let timer: NodeJS.Timeout | null = null;
    let next = toLocalMs(window.startNs);
    return new Promise((resolve) => {
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(guard);
        if (timer) clearTimeout(timer);
        resolve({ type: 'writer-result', result: { writes, errors, firstError, hist: hist.serialize() } });
      };
      const guard = setTimeout(finish, endMs - performance.now() + window.drainMs);
      const send = () => {
        const sentNs = process.hrtime.bigint();
        const inWindow = sentNs >= measureNs && sentNs < endNs;
        const t0 = performance.now();
        outstanding++;
        target.set(0, keys[seq++ % keys.length], stampedValue(options, sentNs), (err) => {
          outstanding--;
          if (inWindow) {
            if (err) {
              errors++;
              firstError ??= err.message;
            } else {
              writes++;
              hist.record((performance.now() - t0) * 1000);
            }
          }
          pump();
        });
      };
      const pump = () => {
        if (finished) return;
        const now = performance.now();
        while (outstanding < 64 && next <= now && next < endMs) {
          next += interval;
          send();
        }
        if (next >= endMs) {
          if (outstanding === 0) finish();
          return;
        }
        if (timer === null) {
          timer = setTimeout(
            () => {
              timer = null;
              pump();
            },
            Math.max(0, next - now),
          );
        }
      };
      pump();
    });
  }

  return {
    open: openWatches,
    measure(window) {
      windowStartNs = BigInt(window.measureNs);
      windowEndNs = BigInt(window.endNs);
      const stopDelay = loopDelayMonitor();
      return new Promise((resolve) => {
        setTimeout(
          () => resolve({ ...watchTally, hist: watchTally.hist.serialize(), loopDelay: stopDelay() }),
          toLocalMs(window.endNs) - performance.now() + window.drainMs,
        );
      });
    },
    write: runWriter,
    sync() {
      target.set(0, keys[0], stampedValue(options, 0n), () => {});
    },
    close() {
      for (const w of watches) w.cancel();
    },
  };
}
