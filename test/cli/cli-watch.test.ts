import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { kvstore } from '../helpers/cli.js';
import { natsServer } from '../helpers/nats-server.js';
import { startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Starts `bin/kvstore ARGS`, runs `onStart` once it is following (its first stderr line, or right away when
 * `waitForStderr` is false), collects stdout lines until `count` arrived, then interrupts it (SIGINT).
 */
function followLines(
  args: string[],
  env: NodeJS.ProcessEnv,
  count: number,
  onStart: () => Promise<void>,
  waitForStderr = false,
) {
  return new Promise<{ lines: string[]; code: number | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/kvstore', ...args], { env: { ...process.env, ...env } });
    const lines: string[] = [];
    let stderr = '';
    const start = () => onStart().catch(reject);
    child.stderr.on('data', (d) => {
      const first = stderr === '';
      stderr += d;
      if (first && waitForStderr) start();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (lines.length === count) child.kill('SIGINT');
    });
    child.on('exit', (code) =>
      code !== 0 ? reject(new Error(`exit ${code}: ${stderr}`)) : resolve({ lines, code }),
    );
    // A watch from a revision needs no wait: whatever is written before it starts is part of its history.
    if (!waitForStderr) start();
  });
}

describe('kvstore watch and subscribe', () => {
  it('watch prints history from a revision, then live changes, one line each, and exits 0 on Ctrl-C', async () => {
    const server = await startServerProcess(await tempDir());
    const env = { KVSTORE_ADDR: server.addr };
    await kvstore(['set', 'w/a', 'one'], { env });
    await kvstore(['set', 'w/b', 'two'], { env });
    const { lines, code } = await followLines(
      ['watch', '--prefix', 'w/', '--from-revision', '2', '--prev'],
      env,
      3,
      async () => {
        await kvstore(['set', 'w/a', 'three'], { env });
        await kvstore(['del', 'w/b'], { env });
      },
    );
    expect(lines).toEqual(['2\tPUT\tw/b\ttwo', '3\tPUT\tw/a\tthree\tprev=one', '4\tDELETE\tw/b\t\tprev=two']);
    expect(code).toBe(0);
    await server.stop();
  });

  it('subscribe prints the changes published to NATS for a key pattern', async () => {
    const nats = await natsServer(await tempDir('kvstore-nats-'));
    await nats.start();
    const server = await startServerProcess(await tempDir(), ['--nats-url', nats.url]);
    const env = { KVSTORE_ADDR: server.addr };
    const { lines } = await followLines(
      ['subscribe', 'app/*/conf', '--nats', nats.url],
      {},
      2,
      async () => {
        await kvstore(['set', 'app/x/conf', 'on'], { env });
        await kvstore(['set', 'app/x/other', 'ignored'], { env });
        await kvstore(['del', 'app/x/conf'], { env });
      },
      true,
    );
    expect(lines).toEqual(['1\tPUT\tapp/x/conf\ton', '3\tDELETE\tapp/x/conf\t']);
    await server.stop();
    await nats.stop();
  });
});
