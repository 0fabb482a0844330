import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  Election,
  type KvClient,
  type Leader,
  Mutex,
  Session,
  update,
} from '../../src/client/index.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

let server: ServerProcess;
let client: KvClient;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-recipes-')));
  client = connect({ endpoints: [server.addr] });
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

afterAll(async () => {
  client?.close();
  await server?.stop();
});

/** Starts test/fixtures/lock-worker.ts; `lines` resolves each line it prints, in order. */
function worker(args: string[]): {
  child: ChildProcess;
  line(): Promise<string>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/lock-worker.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const queued: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else queued.push(l);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    line: () => {
      const l = queued.shift();
      return l !== undefined ? Promise.resolve(l) : new Promise((resolve) => waiting.push(resolve));
    },
    exited,
  };
}

describe('TypeScript client recipes', () => {
  it('update(): 8 concurrent read-modify-write loops lose no increment', async () => {
    await client.set('counter', '0');
    const clients = Array.from({ length: 8 }, () => connect({ endpoints: [server.addr] }));
    try {
      await Promise.all(
        clients.map(async (c) => {
          for (let i = 0; i < 25; i++) await update(c, 'counter', (kv) => String(Number(kv?.value ?? 0) + 1));
        }),
      );
    } finally {
      for (const c of clients) c.close();
    }
    expect((await client.get('counter'))?.value.toString()).toBe('200');
    // null deletes, undefined leaves the key alone.
    expect((await update(client, 'counter', () => undefined)).value).toBeUndefined();
    await update(client, 'counter', () => null);
    expect(await client.get('counter')).toBeNull();
  });

  it('mutex: 8 processes x 50 critical sections, never two inside at once', async () => {
    const dir = await tempDir();
    const file = join(dir, 'critical');
    await writeFile(file, '');
    await writeFile(`${file}.tokens`, '');
    const workers = Array.from({ length: 8 }, () =>
      worker(['contend', server.addr, 'locks/contended', file, '50', '5000']),
    );
    const results = await Promise.all(workers.map((w) => w.line()));
    expect(results).toEqual(Array.from({ length: 8 }, () => 'done 0'));
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual(Array.from({ length: 8 }, () => 0));
    // Fencing tokens grow with every acquisition.
    const tokens = (await readFile(`${file}.tokens`, 'utf8')).trim().split('\n').map(Number);
    expect(tokens).toHaveLength(400);
    expect(tokens.every((t, i) => i === 0 || t > tokens[i - 1]!)).toBe(true);
  }, 120_000);

  it('mutex: a SIGKILLed holder hands over within its session TTL', async () => {
    const ttlMs = 1500;
    const holder = worker(['hold', server.addr, 'locks/handover', '-', '0', String(ttlMs)]);
    expect(await holder.line()).toMatch(/^locked \d+$/);
    const session = new Session(client, { ttlMs });
    const mutex = new Mutex(session, 'locks/handover');
    try {
      const acquired = mutex.lock();
      // Waiting behind a live holder: not acquired while it keeps its session alive past its TTL.
      const early = await Promise.race([acquired.then(() => 'acquired'), sleepUntilTtlPassed(ttlMs * 2)]);
      expect(early).toBe('waiting');
      const killedAt = Date.now();
      holder.child.kill('SIGKILL');
      await acquired;
      const handOverMs = Date.now() - killedAt;
      console.log(`mutex hand-over after SIGKILL: ${handOverMs} ms (session TTL ${ttlMs} ms)`);
      // Within the TTL of its last refresh (made before the kill), plus scheduling slack.
      expect(handOverMs).toBeLessThan(ttlMs + 1000);
      expect(mutex.fencingToken).toBeGreaterThan(0);
    } finally {
      await session.close();
    }
  });

  it('election: the next candidate leads when the leader is SIGKILLed, and observers see the change', async () => {
    const ttlMs = 1500;
    const leader = worker(['campaign', server.addr, 'elect/x', '-', '0', String(ttlMs)]);
    const first = await leader.line();
    const session = new Session(client, { ttlMs });
    const election = new Election(session, 'elect/x');
    const abort = new AbortController();
    const seen: (Leader | null)[] = [];
    const observing = (async () => {
      for await (const l of election.observe(abort.signal)) seen.push(l);
    })();
    try {
      expect((await election.leader())?.value.toString()).toBe(first.split(' ')[1]);
      const campaign = election.campaign('me');
      leader.child.kill('SIGKILL');
      await campaign;
      expect((await election.leader())?.value.toString()).toBe('me');
      await election.proclaim('me, updated');
      await waitFor(() => seen.at(-1)?.value.toString() === 'me, updated');
      // The observer follows the log: the dead leader's end is the EXPIRE event the server's sweeper writes
      // soon after the expiry, which can come after the new leader's proclaim (then "me" is never seen alone).
      const values = seen.map((l) => l?.value.toString());
      expect(values[0]).toBe(first.split(' ')[1]);
      expect(values.at(-1)).toBe('me, updated');
      expect(values.every((v) => v === first.split(' ')[1] || v === 'me' || v === 'me, updated')).toBe(true);
      await election.resign();
      expect(await election.leader()).toBeNull();
    } finally {
      abort.abort();
      await observing;
      await session.close();
    }
  });
});

/** Resolves 'waiting' after `ms` (the lock must not be granted before then). */
function sleepUntilTtlPassed(ms: number): Promise<string> {
  return new Promise((resolve) => setTimeout(() => resolve('waiting'), ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
