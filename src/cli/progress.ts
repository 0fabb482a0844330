/** Reports the progress of long work on standard error; see {@link startProgress}. */
export interface Progress {
  /** `done` of `total` units so far (`total` 0: unknown). Cheap: call as often as you like. */
  update(done: number, total: number): void;
  /** Ends the display and prints a one-line summary with the average rate. */
  finish(): void;
}

const TTY_REDRAW_MS = 100;
const LINE_EVERY_MS = 2000;
const BAR_WIDTH = 30;

/**
 * A progress display for `label` (e.g. "restore") counting `unit`s: a bar redrawn in place when standard
 * error is a terminal, otherwise one line every two seconds (so logs of scripts and CI stay readable).
 */
export function startProgress(
  label: string,
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const tty = stream.isTTY === true;
  const started = performance.now();
  let last = started;
  let done = 0;
  let total = 0;
  const rate = (now: number) => Math.round((done * 1000) / Math.max(1, now - started));
  const draw = (now: number) => {
    const perSecond = `${rate(now).toLocaleString('en-US')} ${unit}/s`;
    if (tty && total === 0) {
      stream.write(`\r${label} ${done.toLocaleString('en-US')} ${unit}, ${perSecond}\x1b[K`);
    } else if (tty) {
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
      const count = `${done.toLocaleString('en-US')}${total > 0 ? `/${total.toLocaleString('en-US')}` : ''}`;
      stream.write(`\r${label} ${bar} ${Math.floor(fraction * 100)}% ${count} ${unit}, ${perSecond}\x1b[K`);
    } else {
      const of = total > 0 ? ` of ${total} (${Math.floor(Math.min(1, done / total) * 100)}%)` : '';
      stream.write(`${label}: ${done} ${unit}${of}, ${perSecond}\n`);
    }
  };
  return {
    update(d, t) {
      done = d;
      total = Math.max(t, d);
      const now = performance.now();
      if (now - last >= (tty ? TTY_REDRAW_MS : LINE_EVERY_MS)) {
        last = now;
        draw(now);
      }
    },
    finish() {
      const now = performance.now();
      if (tty) {
        total = done;
        draw(now);
        stream.write('\n');
      }
      const seconds = (now - started) / 1000;
      stream.write(
        `${label}: ${done} ${unit} in ${seconds.toFixed(1)} s (${rate(now).toLocaleString('en-US')} ${unit}/s)\n`,
      );
    },
  };
}
