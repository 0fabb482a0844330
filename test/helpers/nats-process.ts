import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { freePort } from '../../load/ports.js';
import { WaitAborted, waitFor } from './nats-cluster.js';

/**
 * One real nats-server (Debian's 2.9.10) with JetStream on a loopback port of its own, which a test can take
 * away the way an outage does: SIGKILL (a crash: connections reset, new ones refused) or SIGSTOP (a hung
 * server or a network partition: connections stay open and nothing answers), and bring back on the same
 * port and store directory.
 */
export interface NatsProcess {
  readonly url: string;
  readonly port: number;
  /** Starts (or starts again after kill) the server; resolves once it accepts clients. */
  start(): Promise<void>;
  /** SIGKILL, resolves once it exited. */
  kill(): Promise<void>;
  /** SIGSTOP, resolves once every thread of it is stopped: the process and its sockets stay, nothing is answered. */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Ends the server whatever its state (SIGKILL, after SIGCONT so a paused one dies too). */
  stop(): Promise<void>;
  /** The end of its stderr, for error messages. */
  logTail(): string;
}

/** Every thread of `pid` is in state T (stopped), per /proc (Linux). */
async function allStopped(pid: number): Promise<boolean> {
  const tasks = await readdir(`/proc/${pid}/task`);
  for (const task of tasks) {
    const stat = await readFile(`/proc/${pid}/task/${task}/stat`, 'utf8');
    // The state follows the command name in parentheses, which may itself hold spaces and parentheses.
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'T') return false;
  }
  return tasks.length > 0;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Prepares a nats-server on a free port storing JetStream data in `storeDir`; call start(). */
export async function natsProcess(storeDir: string): Promise<NatsProcess> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let tail = '';
  const running = (c: ChildProcess | null): boolean =>
    c !== null && c.exitCode === null && c.signalCode === null;
  const logTail = () => `--- nats-server :${port} stderr ---\n${tail}`;
  async function kill(): Promise<void> {
    const c = child;
    if (c === null || !running(c)) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    await exited;
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    logTail,
    async start() {
      if (running(child)) throw new Error('nats-server is already running');
      tail = '';
      const c: ChildProcess = spawn(
        'nats-server',
        ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      child = c;
      live.add(c);
      c.once('exit', () => live.delete(c));
      c.stderr!.on('data', (d: Buffer) => {
        tail = (tail + d.toString()).slice(-4_000);
      });
      await waitFor(
        'nats-server ready',
        10_000,
        async () => {
          if (!running(c))
            throw new WaitAborted(`nats-server exited (${c.exitCode ?? c.signalCode})\n${logTail()}`);
          return tail.includes('Server is ready');
        },
        logTail,
      );
    },
    kill,
    async pause() {
      const c = child;
      if (c === null || !running(c)) throw new Error('nats-server is not running');
      c.kill('SIGSTOP');
      // The signal takes effect asynchronously: a thread busy on the other core may still answer requests.
      await waitFor('nats-server stopped', 5_000, async () => allStopped(c.pid!), logTail);
    },
    resume() {
      child?.kill('SIGCONT');
    },
    stop: kill,
  };
}
