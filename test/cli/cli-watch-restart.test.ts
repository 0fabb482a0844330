import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { kvstore } from '../helpers/cli.js';
import { deadPort } from '../helpers/ports.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('kvstore watch across server restarts', () => {
  it('rides out a SIGKILL and a SIGTERM restart, says so on stderr, and prints every revision once', async () => {
    const dataDir = await tempDir();
    let server: ServerProcess = await startServerProcess(dataDir);
    cleanup.push(() => server.stop('SIGKILL'));
    const addr = server.addr;
    const client = connect({ endpoints: [addr], retry: { initialMs: 10, maxMs: 200 } });
    cleanup.push(() => client.close());
    const first = (await client.status()).revision + 1;

    const child = spawn(
      process.execPath,
      ['bin/kvstore', 'watch', '--prefix', 'w/', '--from-revision', String(first)],
      {
        env: { ...process.env, KVSTORE_ADDR: addr },
      },
    );
    cleanup.push(() => child.exitCode === null && child.kill('SIGKILL'));
    const revisions: number[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    createInterface({ input: child.stdout }).on('line', (line) =>
      revisions.push(Number(line.split('\t')[0])),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    let running = true;
    let acked = 0;
    const writer = (async () => {
      for (let i = 0; running; i++) {
        try {
          await client.set(`w/${i}`, String(i), { timeoutMs: 2000 });
          acked++;
        } catch {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    })();
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const seen = revisions.length;
      await waitFor('lines before the restart', () => revisions.length >= seen + 30);
      await server.stop(signal);
      server = await startServerProcess(dataDir, ['--grpc-listen', addr]);
      const before = acked;
      await waitFor('writes after the restart', () => acked >= before + 30);
    }
    running = false;
    await writer;
    const last = (await client.status()).revision;
    await waitFor('the watch to print the last revision', () => (revisions.at(-1) ?? 0) >= last);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(revisions).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
    expect(
      stderr.match(/kvstore: the watch broke \(.*\); reconnecting to resume from revision \d+/g)?.length,
    ).toBeGreaterThanOrEqual(2);
    expect(stderr).toMatch(new RegExp(`kvstore: watch resumed on ${addr} from revision \\d+`));
  });

  it('takes several endpoints in --addr: an unreachable one is passed over, for get and for watch', async () => {
    const server = await startServerProcess(await tempDir());
    cleanup.push(() => server.stop('SIGKILL'));
    const addr = `127.0.0.1:${await deadPort()},${server.addr}`;
    expect(await kvstore(['set', 'multi', 'yes', '--addr', addr])).toMatchObject({ code: 0 });
    expect(await kvstore(['get', 'multi', '--addr', addr])).toMatchObject({ code: 0, stdout: 'yes' });
    const child = spawn(process.execPath, [
      'bin/kvstore',
      'watch',
      'multi',
      '--from-revision',
      '1',
      '--addr',
      addr,
    ]);
    cleanup.push(() => child.exitCode === null && child.kill('SIGKILL'));
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    await waitFor('the watch to print the write', () => lines.length === 1);
    expect(lines).toEqual(['1\tPUT\tmulti\tyes']);
    expect(await kvstore(['get', 'k', '--addr', 'nope'])).toMatchObject({ code: 2 });
  });
});
