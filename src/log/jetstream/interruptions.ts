/** A request abandoned because of an interruption: not a sign that the stream cannot be reached. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/**
 * Events after which a request in flight may never be answered: a reconnect to NATS (a request sent while
 * disconnected is not replayed) or a new stream leader (one sent to the old leader dies with it). A request
 * raced against them fails at once when one happens, and is asked again, instead of waiting for its timeout.
 */
export class Interruptions {
  private readonly waiting = new Set<(err: Error) => void>();

  /** Something happened that may leave requests in flight unanswered: they fail now. */
  fire(what: string): void {
    const abandon = [...this.waiting];
    this.waiting.clear();
    for (const reject of abandon)
      reject(new InterruptedError(`${what} while waiting for an answer: asking again`));
  }

  /** `request`, or a failure as soon as an interruption happens while it waits. */
  race<T>(request: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject);
      request.then(resolve, reject).finally(() => this.waiting.delete(reject));
    });
  }
}
