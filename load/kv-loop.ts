import { LatencyHistogram } from './histogram.js';
import type { FromWorker, IntervalReport, KvResult, RunWindow } from './protocol.js';
import { errorKind, loopDelayMonitor, toLocalMs, type WorkerContext } from './worker-context.js';

/** The kv role: preload, and the closed or open request loop over one window. */
export interface KvLoop {
  preload(stride: number, offset: number): Promise<FromWorker>;
  run(window: RunWindow, slotConns: readonly number[], rate: number): Promise<KvResult>;
}

/** The kv role of a worker thread over `ctx`'s connections. */
export function kvLoop(ctx: WorkerContext): KvLoop {
  const { options, target, keys, value, post } = ctx;
  class Tally {
    ops = 0;
    errors = 0;
    misses = 0;
    firstError: string | null = null;
    readonly errorKinds: Record<string, number> = {};
    readonly hist = new LatencyHistogram();
    readonly set = new LatencyHistogram();
    readonly get = new LatencyHistogram();
    readonly intervals = new Map<number, { ops: number; errors: number; hist: LatencyHistogram }>();
    /** The last interval reported to the main thread (-1: none). */
    reported = -1;

    account(isGet: boolean, err: Error | null, found: boolean, us: number, interval: number): void {
      let slot: { ops: number; errors: number; hist: LatencyHistogram } | undefined;
      if (interval >= 0) {
        slot = this.intervals.get(interval);
        if (slot === undefined) {
          slot = { ops: 0, errors: 0, hist: new LatencyHistogram() };
          this.intervals.set(interval, slot);
          // A new interval began: the one before it is complete in this worker.
          const previous = this.intervals.get(interval - 1);
          if (previous) {
            post({ type: 'interval', report: report(interval - 1, previous) });
            this.reported = interval - 1;
          }
        }
      }
      if (err) {
        this.errors++;
        if (slot) slot.errors++;
        const kind = errorKind(err);
        this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
        this.firstError ??= err.message.slice(0, 300);
        return;
      }
      this.ops++;
      this.hist.record(us);
      if (slot) {
        slot.ops++;
        slot.hist.record(us);
      }
      if (isGet) {
        this.get.record(us);
        if (!found) this.misses++;
      } else this.set.record(us);
    }
  }

  function report(
    index: number,
    slot: { ops: number; errors: number; hist: LatencyHistogram },
  ): IntervalReport {
    return { index, ops: slot.ops, errors: slot.errors, hist: slot.hist.serialize() };
  }

  function issue(conn: number, isGet: boolean, done: (err: Error | null, found: boolean) => void): void {
    const key = keys[(Math.random() * keys.length) | 0];
    if (isGet) target.get(conn, key, done);
    else target.set(conn, key, value, done);
  }

  function preload(stride: number, offset: number): Promise<FromWorker> {
    return new Promise((resolve) => {
      const ids: number[] = [];
      for (let i = offset; i < options.keys; i += stride) ids.push(i);
      let next = 0;
      let active = 0;
      let written = 0;
      let errors = 0;
      let firstError: string | null = null;
      if (ids.length === 0) resolve({ type: 'preloaded', written, errors, firstError });
      const lane = (l: number) => {
        if (next >= ids.length) {
          if (--active === 0) resolve({ type: 'preloaded', written, errors, firstError });
          return;
        }
        target.set(l % ctx.nConns, keys[ids[next++]!], value, (err) => {
          if (err) {
            errors++;
            firstError ??= err.message;
          } else written++;
          setImmediate(lane, l);
        });
      };
      const lanes = Math.min(ids.length, 64);
      for (let l = 0; l < lanes; l++) {
        active++;
        lane(l);
      }
    });
  }

  function runKv(window: RunWindow, slotConns: readonly number[], rate: number): Promise<KvResult> {
    const startMs = toLocalMs(window.startNs);
    const measureMs = toLocalMs(window.measureNs);
    const endMs = toLocalMs(window.endNs);
    const everyMs = options.reportEveryS * 1000;
    const intervalOf = (t: number) => (everyMs > 0 ? Math.floor((t - measureMs) / everyMs) : -1);
    const readRatio = options.readRatio;
    const pickGet = () => (readRatio >= 1 ? true : readRatio <= 0 ? false : Math.random() < readRatio);
    const tally = new Tally();
    const service = rate > 0 ? new LatencyHistogram() : null;
    const sendLag = rate > 0 ? new LatencyHistogram() : null;
    const stopDelay = loopDelayMonitor();

    return new Promise((resolve) => {
      let outstanding = 0;
      let finished = false;
      let dueInWindow = 0;
      let sentInWindow = 0;
      let timer: NodeJS.Timeout | null = null;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(guard);
        if (timer) clearTimeout(timer);
        // Report what is left (the last interval at least); a new interval reports the one before it.
        for (const [index, slot] of [...tally.intervals].sort((a, b) => a[0] - b[0])) {
          if (index > tally.reported) post({ type: 'interval', report: report(index, slot) });
        }
        resolve({
          ops: tally.ops,
          errors: tally.errors,
          errorKinds: tally.errorKinds,
          firstError: tally.firstError,
          misses: tally.misses,
          unfinished: outstanding,
          hist: tally.hist.serialize(),
          byOp: { set: tally.set.serialize(), get: tally.get.serialize() },
          service: service?.serialize() ?? null,
          sendLag: sendLag?.serialize() ?? null,
          dueInWindow,
          notSent: Math.max(0, dueInWindow - sentInWindow),
          intervals: [...tally.intervals]
            .sort((x, y) => x[0] - y[0])
            .map(([index, slot]) => report(index, slot)),
          loopDelay: stopDelay(),
        });
      };
      const guard = setTimeout(finish, endMs - performance.now() + window.drainMs);

      if (rate <= 0) {
        // Closed loop: each slot sends its next request when the previous one returns; an operation counts
        // when it completes inside the window, its latency from send to reply.
        outstanding = slotConns.length;
        const start = () => {
          for (const conn of slotConns) {
            const loop = () => {
              const t0 = performance.now();
              if (t0 >= endMs) {
                if (--outstanding === 0) finish();
                return;
              }
              const isGet = pickGet();
              issue(conn, isGet, (err, found) => {
                const t1 = performance.now();
                if (t1 >= measureMs && t1 < endMs)
                  tally.account(isGet, err, found, (t1 - t0) * 1000, intervalOf(t1));
                if (err) setImmediate(loop);
                else loop();
              });
            };
            loop();
          }
        };
        setTimeout(start, Math.max(0, startMs - performance.now()));
        return;
      }

      // Open loop: requests fall due every 1/rate s. One counts when it fell due inside the window; its
      // latency runs from the due time, so queueing behind a stalled server is charged (no coordinated
      // omission). Slots cap what is outstanding; what fell due but could not be sent is `notSent`.
      const interval = 1000 / rate;
      const free = [...slotConns];
      let next = startMs;
      // Counted from the exact nanosecond window (not the converted clocks) so that rounding cannot add one.
      const dueBefore = (ns: string) =>
        Math.ceil(Number(BigInt(ns) - BigInt(window.startNs)) / 1e6 / interval - 1e-9);
      dueInWindow = dueBefore(window.endNs) - dueBefore(window.measureNs);
      const send = (conn: number, due: number) => {
        outstanding++;
        const inWindow = due >= measureMs && due < endMs;
        if (inWindow) sentInWindow++;
        const isGet = pickGet();
        const sent = performance.now();
        issue(conn, isGet, (err, found) => {
          const t1 = performance.now();
          outstanding--;
          if (inWindow) {
            tally.account(isGet, err, found, (t1 - due) * 1000, intervalOf(due));
            if (!err) {
              service!.record((t1 - sent) * 1000);
              sendLag!.record((sent - due) * 1000);
            }
          }
          free.push(conn);
          if (err) setImmediate(pump);
          else pump();
        });
      };
      const pump = () => {
        if (finished) return;
        const now = performance.now();
        while (free.length > 0 && next <= now && next < endMs) {
          const due = next;
          next += interval;
          send(free.pop()!, due);
        }
        if (next >= endMs || now >= endMs) {
          if (outstanding === 0) finish();
          return;
        }
        if (timer === null && free.length > 0) {
          timer = setTimeout(
            () => {
              timer = null;
              pump();
            },
            Math.max(0, next - now),
          );
        }
      };
      setTimeout(pump, Math.max(0, startMs - performance.now()));
    });
  }

  return { preload, run: runKv };
}
