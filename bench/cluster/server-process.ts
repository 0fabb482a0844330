// One server process of a bench cluster (an etcd member, a nats-server), started from fixed arguments so that
// the bench can SIGKILL it and start it again on the same ports and data directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';

/** How long a start may take before it counts as failed. */
const START_TIMEOUT_MS = 30_000;
/** How long a SIGTERM may take before SIGKILL follows. */
const STOP_TIMEOUT_MS = 10_000;

/** A restartable child process that counts as started once its output matches `ready`. */
export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** The last few KB of output, for error messages. */
  private tail = '';
  /** Set when the bench ended the process itself (kill or stop), so an exit is not a crash. */
  private endedByUs = false;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly ready: RegExp,
  ) {}

  /** The running process's pid; undefined while it is down. */
  get pid(): number | undefined {
    const c = this.child;
    return c && c.exitCode === null && c.signalCode === null ? c.pid : undefined;
  }

  /** Spawns the process and resolves once its output says it is ready. */
  async start(): Promise<void> {
    if (this.pid !== undefined) throw new Error(`${this.name} is already running`);
    const child = spawn(this.command, [...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // BENCH_SERVER_LOG_DIR=dir keeps every server's whole output (dir/<name>.log), to read a stall's timeline.
    const logDir = process.env.BENCH_SERVER_LOG_DIR;
    if (logDir) {
      const file = createWriteStream(join(logDir, `${this.name.replace(/\W+/g, '-')}.log`), { flags: 'a' });
      child.stdout!.pipe(file);
      child.stderr!.pipe(file);
    }
    this.tail = '';
    this.endedByUs = false;
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      // Only the output since this start is searched, and only until the ready line was seen.
      let seen: string | null = '';
      const timer = setTimeout(() => {
        reject(new Error(`${this.name} not ready after ${START_TIMEOUT_MS} ms: ${this.tail}`));
      }, START_TIMEOUT_MS);
      const onData = (d: Buffer) => {
        this.tail = (this.tail + d.toString()).slice(-4000);
        if (seen === null) return;
        seen += d.toString();
        if (this.ready.test(seen)) {
          clearTimeout(timer);
          seen = null;
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code ?? signal}) before it was ready: ${this.tail}`));
      });
    });
  }

  /** SIGKILLs the process (a crash: no shutdown work) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.endedByUs = true;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it lingers; waits until the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.endedByUs = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Null while running or ended by the bench; otherwise how it exited and its last output. */
  crash(): string | null {
    const c = this.child;
    if (!c || this.endedByUs || (c.exitCode === null && c.signalCode === null)) return null;
    return `${this.name} exited (${c.exitCode ?? c.signalCode}): ${this.tail.slice(-1500)}`;
  }

  /** Recent output of the process. */
  output(): string {
    return this.tail;
  }
}
