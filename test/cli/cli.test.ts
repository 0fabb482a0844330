import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

let server: ServerProcess;
let run: (args: string[], input?: Buffer | string) => ReturnType<typeof kvstore>;

beforeAll(async () => {
  server = await startServerProcess(await mkdtemp(join(tmpdir(), 'kvstore-cli-')));
  run = (args, input) => kvstore(args, { env: { KVSTORE_ADDR: server.addr }, input });
});

afterAll(async () => {
  await server.stop();
});

describe('kvstore CLI: the README session', () => {
  it('set with --ttl, get, list, del behave and exit as documented; get after the TTL exits 1', async () => {
    const set = await run(['set', 'a', '1', '--ttl', '2s', '--json']);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    const written = JSON.parse(set.stdout);
    expect(written).toMatchObject({ key: 'a', version: 1 });
    const expiresAt = Date.parse(written.expires_at);

    // Within the TTL (started together: each CLI run is a new process, slow on a busy machine).
    const [got, listed, json] = await Promise.all([
      run(['get', 'a']),
      run(['list']),
      run(['get', 'a', '--json']),
    ]);
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(got).toMatchObject({ code: 0, stdout: '1' });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('a\t1\n');
    expect(JSON.parse(json.stdout)).toMatchObject({
      key: 'a',
      value: '1',
      version: 1,
      expires_at: written.expires_at,
    });

    while (Date.now() <= expiresAt) await new Promise((r) => setTimeout(r, 50));
    const expired = await run(['get', 'a']);
    expect(expired).toMatchObject({ code: 1, stdout: '', stderr: 'kvstore: key "a" not found\n' });

    expect((await run(['set', 'b', 'x'])).code).toBe(0);
    expect(await run(['del', 'b'])).toMatchObject({ code: 0 });
    expect(await run(['del', 'b'])).toMatchObject({ code: 1, stderr: 'kvstore: key "b" not found\n' });
  });

  it('keeps binary values byte for byte through stdin and stdout', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 0]);
    expect((await run(['set', 'bin', '-'], bytes)).code).toBe(0);
    const out = await new Promise<Buffer>((resolve) => {
      import('node:child_process').then(({ spawn }) => {
        const child = spawn(process.execPath, ['bin/kvstore', 'get', 'bin'], {
          env: { ...process.env, KVSTORE_ADDR: server.addr },
        });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => chunks.push(d));
        child.on('close', () => resolve(Buffer.concat(chunks)));
      });
    });
    expect(out).toEqual(bytes);
    const json = JSON.parse((await run(['get', 'bin', '--json'])).stdout);
    expect(Buffer.from(json.value_base64, 'base64')).toEqual(bytes);
  });

  it('lists by prefix with a limit, keys only, counts, and JSON lines', async () => {
    for (const k of ['l/a', 'l/b', 'l/c', 'm/a']) await run(['set', k, `v-${k}`]);
    expect((await run(['list', '--prefix', 'l/', '--limit', '2'])).stdout).toBe('l/a\tv-l/a\nl/b\tv-l/b\n');
    expect((await run(['list', '--prefix', 'l/', '--keys-only'])).stdout).toBe('l/a\nl/b\nl/c\n');
    expect((await run(['list', '--prefix', 'l/', '--count'])).stdout).toBe('3\n');
    const lines = (await run(['list', '--prefix', 'l/', '--json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.key)).toEqual(['l/a', 'l/b', 'l/c']);
  });

  it('shows status', async () => {
    const out = await run(['status', '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ address: server.addr, max_value_bytes: 1048576 });
  });
});

describe('kvstore CLI: bad input', () => {
  it('refuses with exit 2 and one line naming the field and the limit, and the store still serves', async () => {
    const cases: [string[], RegExp, Buffer?][] = [
      [['set', '', 'x'], /^kvstore: key: must not be empty \(1\.\.4096 bytes\)\n$/],
      [
        ['set', 'k'.repeat(5120), 'x'],
        /^kvstore: key: is 5120 bytes, over the limit of 4096 bytes \(UTF-8\)\n$/,
      ],
      [
        ['set', 'big', '-'],
        /^kvstore: value: is 2097152 bytes, over the server's limit of 1048576 bytes\n$/,
        Buffer.alloc(2 * 1024 * 1024),
      ],
      [['set', 'k', 'v', '--ttl', '0'], /^kvstore: --ttl: "0" is not a positive duration/],
      [['set', 'k', 'v', '--ttl=-5s'], /^kvstore: --ttl: "-5s" is not a positive duration/],
      [['set', 'k', 'v', '--ttl', 'soon'], /^kvstore: --ttl: "soon" is not a positive duration/],
      [['set', 'k'], /^kvstore: set takes KEY and VALUE/],
      [['frobnicate'], /^kvstore: unknown command "frobnicate" \(see kvstore --help\)\n$/],
      [['list', '--limit', 'many'], /^kvstore: --limit: "many" is not a whole number/],
    ];
    for (const [args, stderr, input] of cases) {
      const result = await run(args, input);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(stderr);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await run(['set', 'after-bad-input', 'fine'])).code).toBe(0);
    expect((await run(['get', 'after-bad-input'])).stdout).toBe('fine');
  });

  it('exits 3 with one line when the server cannot be reached', async () => {
    const result = await kvstore(['get', 'a', '--addr', '127.0.0.1:1', '--timeout', '2s']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'kvstore: cannot reach kvstore at 127.0.0.1:1 (connection refused: is `kvstore serve` running there?)\n',
    );
  });

  it('prints help that documents commands, options and exit codes', async () => {
    const main = await kvstore(['--help']);
    expect(main.code).toBe(0);
    for (const word of [
      'serve',
      'get',
      'set',
      'del',
      'list',
      'status',
      '--addr',
      'KVSTORE_ADDR',
      'EXIT STATUS',
    ]) {
      expect(main.stdout).toContain(word);
    }
    for (const command of ['serve', 'get', 'set', 'del', 'list', 'status']) {
      const help = await kvstore([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^NAME\\n    kvstore ${command} - `));
      expect(help.stdout).toContain('SYNOPSIS');
    }
  });
});
