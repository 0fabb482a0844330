/** A sleep that can be cut short: a loop waits on it, and news (a commit, a close) wakes the loop early. */
export class Alarm {
  private wakeUp: (() => void) | null = null;

  /** Resolves after `ms`, or at once when {@link wake} is called meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends the sleep in progress, if any. */
  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }
}
