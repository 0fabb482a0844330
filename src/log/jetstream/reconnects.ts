/**
 * Reconnections to NATS, as something a request can race: a request sent before a reconnect may never be
 * answered, so one that is still waiting when the connection comes back fails at once and is asked again.
 */
export class Reconnects {
  private readonly waiting = new Set<(err: Error) => void>();

  /** The connection came back: every request still waiting fails now. */
  fire(): void {
    const abandon = [...this.waiting];
    this.waiting.clear();
    for (const reject of abandon)
      reject(new Error('reconnected to NATS while waiting for an answer: asking again'));
  }

  /** `request`, or a failure as soon as the connection is re-established while it waits. */
  abandonOnReconnect<T>(request: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      request.then(resolve, reject).finally(() => this.waiting.delete(reject));
    });
  }
}
