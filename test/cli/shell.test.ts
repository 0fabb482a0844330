import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { TmuxTerminal } from '../helpers/tmux-terminal.js';

/**
 * `kvstore shell` in a real pseudo-terminal (tmux), typed at as a person would, against a real server:
 * every step waits for the screen to show what a person would wait for.
 */
// .ci/run installs tmux; elsewhere the test skips with a message when it is missing.
const noTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status !== 0;
const skip = noTmux && process.env.CI !== 'true';
if (skip) console.warn('no tmux (apt-get install tmux): the kvstore shell tests are skipped');

describe.skipIf(skip)('kvstore shell', () => {
  const terminals: TmuxTerminal[] = [];
  let server: ServerProcess | undefined;

  afterEach(async () => {
    for (const t of terminals.splice(0)) t.kill();
    await server?.stop();
    server = undefined;
  });

  async function shell(history: string): Promise<TmuxTerminal> {
    const t = TmuxTerminal.start([process.execPath, 'bin/kvstore', 'shell', '--addr', server!.addr], {
      KVSTORE_HISTORY: history,
    });
    terminals.push(t);
    await idle(t);
    return t;
  }

  /** Waits for an empty prompt (the trailing space of "kvstore> " is not on the screen's text). */
  const idle = (t: TmuxTerminal, prompt = 'kvstore>') =>
    t.waitFor(() => t.currentLine() === prompt, `the prompt "${prompt}"`);

  /** Types a line, presses Enter, waits for `output` and then for the prompt to come back. */
  async function run(t: TmuxTerminal, line: string, output: string | RegExp, prompt = 'kvstore>') {
    const before = t.screen().length;
    t.type(line);
    t.press('Enter');
    const seen = (s: string) => {
      const after = s.slice(before);
      return typeof output === 'string' ? after.includes(output) : output.test(after);
    };
    await t.waitFor(seen, `"${output}" after typing ${line}`);
    await idle(t, prompt);
    return t.screen().slice(before);
  }

  it('needs a terminal: with standard input from a pipe it says so (exit 2)', async () => {
    const r = await kvstore(['shell'], { input: 'get k\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('shell needs a terminal');
  });

  // 13 s on a quiet machine, 40 s with the 2 shared cores loaded: room for the many screen waits.
  it('sets and gets, completes commands and keys, watches until Ctrl-C, runs a multi-line txn, toggles JSON, keeps its history', {
    timeout: 180_000,
  }, async () => {
    server = await startServerProcess(await tempDir());
    const dir = await tempDir();
    const history = join(dir, 'state', 'history');
    const t = await shell(history);

    await run(t, 'help', '\\json [on|off]');
    await run(t, 'serve', '"serve" is not available in the shell');
    await run(t, 'set greeting "hello world"', 'OK revision 1');
    await run(t, 'get greeting', '\nhello world');
    await run(t, 'set config/feature-x on', 'OK revision 2');

    // A command, then a key, completed with Tab.
    t.type('sta');
    t.press('Tab');
    await t.waitFor(() => t.currentLine() === 'kvstore> status', 'status completed');
    t.press('Enter');
    await t.waitFor((s) => /revision\s+2/.test(s), 'the status');
    await idle(t);
    t.type('get config/fe');
    t.press('Tab');
    await t.waitFor(() => t.currentLine() === 'kvstore> get config/feature-x', 'the key completed');
    const got = t.screen().length;
    t.press('Enter');
    await t.waitFor((s) => s.slice(got).includes('\non'), 'the value of the completed key');
    await idle(t);

    // Ctrl-C at an idle prompt clears the line.
    t.type('this is not a command');
    await t.waitFor(() => t.currentLine().endsWith('not a command'), 'the typed line');
    t.press('C-c');
    await idle(t);

    // A watch shows what another client writes, until Ctrl-C returns to the prompt.
    // From the next revision: the event shows however soon it is written after the watch starts.
    t.type('watch --prefix jobs/ --from-revision 3');
    t.press('Enter');
    const written = await kvstore(['set', 'jobs/1', 'queued', '--addr', server.addr]);
    expect(written.stdout).toBe('OK revision 3\n');
    await t.waitFor((s) => /\n3\s+PUT\s+jobs\/1\s+queued/.test(s), 'the event');
    t.press('C-c');
    await idle(t);
    await run(t, 'get jobs/1', '\nqueued');

    // A transaction over several lines, each typed at the txn> prompt, run by an empty line.
    t.type('txn');
    t.press('Enter');
    await idle(t, 'txn>');
    for (const line of [
      'if version(jobs/1) == 1',
      'then',
      'set jobs/1 claimed',
      'get greeting',
      'else',
      'get jobs/1',
    ]) {
      t.type(line);
      t.press('Enter');
      await t.waitFor((s) => s.endsWith(`txn> ${line}\ntxn>`), `the txn> prompt after ${line}`);
    }
    const txn = await run(t, '', 'SUCCEEDED revision 4');
    expect(txn).toMatch(/set jobs\/1\s+greeting\s+hello world/);

    // The JSON toggle: the prompt says so, output is one JSON object per line, and back.
    await run(t, '\\json', 'JSON output on', 'kvstore[json]>');
    const json = await run(t, 'get jobs/1', '"key":"jobs/1"', 'kvstore[json]>');
    expect(JSON.parse(json.split('\n').find((l) => l.startsWith('{'))!)).toMatchObject({
      key: 'jobs/1',
      value: 'claimed',
      version: 2,
    });
    await run(t, '\\json off', 'JSON output off');
    t.type('list --pre');
    t.press('Tab');
    await t.waitFor(() => t.currentLine() === 'kvstore> list --prefix', 'the flag completed');
    await run(t, 'config/', 'config/feature-x');

    // Ctrl-D leaves; the history is in the file, private, and the next session walks it with Up.
    t.press('C-d');
    await t.waitFor(() => t.exited(), 'the shell to exit');
    expect(statSync(history).mode & 0o777).toBe(0o600);
    const next = await shell(history);
    next.press('Up');
    await next.waitFor(() => next.currentLine() === 'kvstore> list --prefix config/', 'the last line back');
    next.press('Up');
    await next.waitFor(() => next.currentLine() === 'kvstore> \\json off', 'the line before');
    next.press('Enter');
    await idle(next);
    expect(next.screen()).toContain('JSON output off');
  });
});
