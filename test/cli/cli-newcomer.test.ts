import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

// The CLI as a new user meets it (issue 10, item 13), against one real server.
let server: ServerProcess;
let dataDir: string;
let run: (args: string[], input?: Buffer | string) => ReturnType<typeof kvstore>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kvstore-newcomer-'));
  server = await startServerProcess(dataDir);
  run = (args, input) => kvstore(args, { env: { KVSTORE_ADDR: server.addr }, input });
});

afterAll(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Milliseconds from the write to the key's expiry, as the server recorded it. */
async function ttlOf(ttl: string): Promise<{ low: number; high: number }> {
  const before = Date.now();
  const result = await run(['set', `ttl-${ttl}`, 'v', '--ttl', ttl, '--json']);
  const after = Date.now();
  expect(result, ttl).toMatchObject({ code: 0, stderr: '' });
  const expiresAt = Date.parse(JSON.parse(result.stdout).expires_at);
  return { low: expiresAt - after, high: expiresAt - before };
}

/** Runs `bin/kvstore ARGS` with stdout read until `bytes` arrived, then closed, as `| head -c` does. */
function runIntoClosingPipe(args: string[], bytes: number) {
  return new Promise<{ code: number | null; stderr: string; got: number }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/kvstore', ...args], {
      env: { ...process.env, KVSTORE_ADDR: server.addr },
    });
    let got = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= bytes) child.stdout.destroy();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, got }));
  });
}

describe('kvstore CLI for a new user', () => {
  it('reads a bare --ttl number as seconds, and compound durations such as 5m30s', async () => {
    const ten = await ttlOf('10');
    expect(ten.high).toBeGreaterThanOrEqual(10_000);
    expect(ten.low).toBeLessThanOrEqual(10_000);
    const compound = await ttlOf('5m30s');
    expect(compound.high).toBeGreaterThanOrEqual(330_000);
    expect(compound.low).toBeLessThanOrEqual(330_000);
    const hours = await ttlOf('1h30m');
    expect(hours.high).toBeGreaterThanOrEqual(5_400_000);
    expect(hours.low).toBeLessThanOrEqual(5_400_000);
    expect((await run(['set', '--help'])).stdout).toMatch(/bare number is SECONDS/);
  });

  it('takes negative numbers as values without "--"', async () => {
    expect(await run(['set', 'n', '-1'])).toMatchObject({ code: 0, stderr: '' });
    expect(await run(['get', 'n'])).toMatchObject({ code: 0, stdout: '-1' });
    expect(await run(['set', '-5', '-2.5'])).toMatchObject({ code: 0 });
    expect(await run(['get', '-5'])).toMatchObject({ code: 0, stdout: '-2.5' });
    // A flag's value may be negative too; the server then says what is wrong with it.
    const negative = await run(['set', 'n', '0', '--if-version', '-1']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).not.toMatch(/Unknown option|ambiguous/);
  });

  it('answers an unknown flag with one error line and the command synopsis, not the whole help', async () => {
    const result = await run(['set', 'k', 'v', '--bogus']);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe("kvstore: Unknown option '--bogus'");
    expect(lines[1]).toMatch(/^usage: kvstore set KEY VALUE /);
    expect(lines.at(-1)).toBe('See kvstore help set.');
    expect(result.stderr).not.toMatch(/DESCRIPTION|OPTIONS|EXAMPLES/);
    expect(result.stdout).toBe('');

    const global = await kvstore(['--bogus']);
    expect(global.code).toBe(2);
    expect(global.stderr).toMatch(/^kvstore: Unknown option '--bogus'\nusage: kvstore COMMAND/);
    expect(global.stdout).toBe('');
  });

  it('has a help command: kvstore help, kvstore help COMMAND', async () => {
    const main = await kvstore(['help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/^NAME\n {4}kvstore - /);
    expect(main.stdout).toMatch(/\n {4}help {6}/);
    const set = await kvstore(['help', 'set']);
    expect(set).toMatchObject({ code: 0, stdout: (await kvstore(['set', '--help'])).stdout });
    expect(set.stdout).toMatch(/^NAME\n {4}kvstore set - /);
    expect(await kvstore(['help', 'nope'])).toMatchObject({
      code: 2,
      stderr: 'kvstore: unknown command "nope" (see kvstore --help)\n',
    });
  });

  it('ends quietly when the reader of its output goes away (export | head)', async () => {
    const lines = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({ key: `pipe/${String(i).padStart(2, '0')}`, value: 'x'.repeat(60_000) }),
    );
    expect((await run(['import'], `${lines.join('\n')}\n`)).code).toBe(0);
    // 3.6 MB of output, far more than the pipe and a busy reader's first reads can take in (a reader's event
    // loop reads up to 32 chunks of 64 KiB at a time), and the reader stops after the first bytes.
    const exported = await runIntoClosingPipe(['export', '--format', 'jsonl'], 100);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    const listed = await runIntoClosingPipe(['list', '--prefix', 'pipe/'], 100);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
  });

  it('writes a value larger than a pipe buffer whole into a pipe', async () => {
    const value = Buffer.alloc(300_000, 'z');
    expect((await run(['set', 'big', '-'], value)).code).toBe(0);
    const got = await run(['get', 'big']);
    expect(got.code).toBe(0);
    expect(got.stdout.length).toBe(value.length);
  });

  it('keeps many large writes in flight on its one connection (kvstore import of 1 MB values)', async () => {
    // 30 MB in flight at once: past node:http2's default session memory (10 MB) unless the client lifts it.
    const lines = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({ key: `large/${i}`, value: 'L'.repeat(1e6) }),
    );
    // What is pinned is that nothing stalls, not how fast: a loaded machine gets more than the 5 s default.
    const imported = await run(['import', '--timeout', '60s'], `${lines.join('\n')}\n`);
    expect(imported.code, imported.stderr).toBe(0);
    expect((await run(['list', '--prefix', 'large/', '--count'])).stdout).toBe('30\n');
  });

  it('names the --ttl flag and the server limit when the TTL is too long, not the wire field', async () => {
    const result = await run(['set', 'k', 'v', '--ttl', '400d']);
    expect(result).toMatchObject({
      code: 2,
      stderr: `kvstore: --ttl: "400d" is over the server's limit of 365d (limits.maxTtl)\n`,
    });
  });

  it('says in one line that the port is in use when serve cannot listen, and exits 3', async () => {
    const dir = await tempDir();
    const result = await kvstore([
      'serve',
      '--grpc-listen',
      server.addr,
      '--http-listen',
      '127.0.0.1:0',
      '--data-dir',
      dir,
      '--log-level',
      'silent',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `kvstore: cannot listen on ${server.addr} (grpc.listen): the address is already in use ` +
        '(another kvstore serve, or another program, listens there); choose another with --grpc-listen\n',
    );
    expect((await kvstore(['serve', '--help'])).stdout).toMatch(
      /\n {4}3 {2}cannot start: an address is in use/,
    );
  });

  it('loads neither the server, nor grpc-js and protobufjs, nor pino or yaml for kvstore get', async () => {
    const dir = await tempDir();
    const hooks = join(dir, 'hooks.mjs');
    const register = join(dir, 'register.mjs');
    await writeFile(
      hooks,
      `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process._rawDebug('loaded ' + result.url);
  return result;
}\n`,
    );
    await writeFile(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
    );
    await run(['set', 'traced', 'yes']);
    const { code, stdout, stderr } = await kvstore(['get', 'traced'], {
      env: { KVSTORE_ADDR: server.addr },
      nodeArgs: ['--import', register],
    });
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'yes' });
    const loaded = stderr.split('\n').filter((l) => l.startsWith('loaded '));
    expect(loaded.some((l) => l.includes('/dist/cli/commands/get.js'))).toBe(true);
    for (const heavy of [
      '/node_modules/',
      '/dist/api/server.js',
      '/dist/api/proto.js',
      '/dist/store/',
      '/dist/log/',
      '/dist/config/load.js',
      '/dist/cli/commands/set.js',
    ]) {
      expect(
        loaded.filter((l) => l.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
  });
});
