import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

type MessageOf<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

/** One worker thread seen from the main thread: typed messages in, awaited by type. */
export class Peer {
  private readonly queue: FromWorker[] = [];
  private readonly waiters: {
    type: FromWorker['type'];
    resolve(m: FromWorker): void;
    reject(e: Error): void;
  }[] = [];
  private readonly listeners: ((m: FromWorker) => void)[] = [];
  private failure: Error | null = null;
  private readonly worker: Worker;

  constructor(init: WorkerInit) {
    this.worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: init });
    this.worker.on('message', (m: FromWorker) => this.push(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`worker exited with code ${code}`)));
  }

  /** Called with every message as it arrives (for interval reports). */
  onMessage(listener: (m: FromWorker) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves with the next message of `type`; rejects when the worker fails first. */
  next<T extends FromWorker['type']>(type: T): Promise<MessageOf<T>> {
    const i = this.queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as MessageOf<T>);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) =>
      this.waiters.push({ type, resolve: (m) => resolve(m as MessageOf<T>), reject }),
    );
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  /** Asks the worker to close its connections, then ends it. */
  async close(): Promise<void> {
    if (this.failure === null) {
      this.send({ type: 'close' });
      await Promise.race([this.next('closed').catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    }
    await this.worker.terminate();
  }

  private push(m: FromWorker): void {
    for (const l of this.listeners) l(m);
    if (m.type === 'fatal') {
      this.fail(new Error(m.error));
      return;
    }
    if (m.type === 'interval') return;
    const i = this.waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    else this.queue.push(m);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }
}
