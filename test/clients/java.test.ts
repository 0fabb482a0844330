import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_EXT, makeCa, makeLeaf, SERVER_EXT } from '../helpers/certs.js';
import { kvstore } from '../helpers/cli.js';
import { deadPort } from '../helpers/ports.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir, tempDir } from '../helpers/temp-dir.js';

// The Java client (clients/java), built by clients/java/build.sh with Debian's javac, protoc, grpc-java and
// protobuf-java (.ci/run installs them; Maven is not used), then its test programs run against real servers
// started here. Outside CI it skips without the packages; in CI it fails.
const BUILD = 'clients/java/build.sh';
const missing = spawnSync('bash', [BUILD, '--print-missing'], { encoding: 'utf8' });
const absent = missing.status !== 0 || missing.stdout.trim() !== '';
const skip = absent && process.env.CI !== 'true';
if (skip) {
  console.warn(
    `Java client tests skipped: apt-get install -y ${missing.stdout.trim().split('\n').join(' ')} (see clients/java/README.md)`,
  );
}

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A Java test program of clients/java/src/test/java, running: its output so far, its lines, its exit. */
function java(
  main: string,
  args: string[],
): {
  child: ChildProcess;
  output: () => string;
  lines: string[];
  say: (line: string) => void;
  exit: Promise<number | null>;
} {
  const classpath = `${readFileSync('clients/java/build/classpath.txt', 'utf8').trim()}:clients/java/build/test-classes`;
  const child = spawn('java', ['-cp', classpath, `kvstore.clienttest.${main}`, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const lines: string[] = [];
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(() => child.exitCode === null && child.kill('SIGKILL'));
  // The program's side of the line protocol (Driver.java): it says what it did, the driver answers.
  const say = (line: string) => child.stdin!.write(`${line}\n`);
  return { child, output: () => output, lines, say, exit };
}

/** How many writes the program's Writer has acknowledged (its last "acked N" line). */
function acked(lines: string[]): number {
  const last = lines.findLast((l) => l.startsWith('acked '));
  return last === undefined ? 0 : Number(last.slice(6));
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skip)('Java client (clients/java)', () => {
  beforeAll(() => {
    expect(missing.stdout.trim(), 'Debian packages the Java client needs (.ci/run installs them)').toBe('');
    execFileSync('bash', [BUILD], { stdio: ['ignore', 'ignore', 'pipe'] });
  }, 300_000);

  it('calls, typed errors, CAS with the current revision, list paging, txn, failover, watch basics', {
    timeout: 120_000,
  }, async () => {
    const server = await startServerProcess(await tempDir());
    cleanup.push(() => server.stop('SIGKILL'));
    const run = java('ClientTest', [server.addr, `127.0.0.1:${await deadPort()}`]);
    const code = await run.exit;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toMatch(/\nall passed\n$/);
    expect(run.output().match(/^ok /gm)?.length).toBe(15);
  });

  /** Waits until the program has said a line starting with `prefix` (or has exited). */
  async function heard(run: ReturnType<typeof java>, prefix: string): Promise<void> {
    await waitFor(
      `"${prefix}" from the Java program`,
      () => run.lines.some((l) => l.startsWith(prefix)) || run.child.exitCode !== null,
    );
    expect(
      run.lines.some((l) => l.startsWith(prefix)),
      run.output(),
    ).toBe(true);
  }

  it('a watch rides out a SIGKILL and a SIGTERM restart with a writer running: every revision once, in order', {
    timeout: 180_000,
  }, async () => {
    const dataDir = await tempDir();
    let server: ServerProcess = await startServerProcess(dataDir);
    cleanup.push(() => server.stop('SIGKILL'));
    const addr = server.addr;
    const run = java('WatchRestartTest', [addr]);
    await heard(run, 'ready ');
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      const before = acked(run.lines);
      await waitFor('writes before the restart', () => acked(run.lines) >= before + 50);
      await server.stop(signal);
      server = await startServerProcess(dataDir, ['--grpc-listen', addr]);
      const after = acked(run.lines);
      await waitFor('writes after the restart', () => acked(run.lines) >= after + 50);
    }
    run.say('stop');
    expect(await run.exit, run.output()).toBe(0);
    expect(run.output()).toMatch(/^ok the watch sees every revision once/m);
    expect(run.lines.filter((l) => l.startsWith('reconnect ')).length).toBeGreaterThanOrEqual(2);
  });

  it('a watch fails over to a second endpoint when the first is SIGKILLed', {
    timeout: 120_000,
  }, async () => {
    const dataDir = await tempDir();
    const server = await startServerProcess(dataDir);
    cleanup.push(() => server.stop('SIGKILL'));
    const standbyAddr = `127.0.0.1:${await deadPort()}`;
    const run = java('WatchFailoverTest', [server.addr, standbyAddr]);
    await heard(run, 'ready ');
    await waitFor('writes before the kill', () => acked(run.lines) >= 50);
    await server.stop('SIGKILL');
    const standby = await startServerProcess(dataDir, ['--grpc-listen', standbyAddr]);
    cleanup.push(() => standby.stop('SIGKILL'));
    run.say('standby');
    expect(await run.exit, run.output()).toBe(0);
    expect(run.output()).toMatch(/^ok the watch resumes on the standby endpoint/m);
  });

  it('a watch gives up on a silent (SIGSTOPped) server and resumes after SIGCONT', {
    timeout: 120_000,
  }, async () => {
    const server = await startServerProcess(await tempDir());
    cleanup.push(() => server.stop('SIGKILL'));
    const run = java('WatchSilenceTest', [server.addr]);
    await heard(run, 'first');
    server.process.kill('SIGSTOP');
    cleanup.push(() => server.process.kill('SIGCONT'));
    run.say('stopped');
    try {
      await heard(run, 'gave-up');
    } finally {
      server.process.kill('SIGCONT');
    }
    run.say('continued');
    expect(await run.exit, run.output()).toBe(0);
    expect(run.output().match(/^ok /gm)?.length).toBe(3);
  });

  it('a write lost with its SIGKILLed server is not resent and says its outcome is unknown', {
    timeout: 120_000,
  }, async () => {
    const server = await startServerProcess(await tempDir());
    cleanup.push(() => server.stop('SIGKILL'));
    const run = java('LostWriteTest', [server.addr]);
    await heard(run, 'connected');
    server.process.kill('SIGSTOP');
    run.say('stopped');
    await heard(run, 'sent');
    await server.stop('SIGKILL');
    run.say('killed');
    expect(await run.exit, run.output()).toBe(0);
  });

  it('API key and TLS options against a server with mTLS and API keys', { timeout: 120_000 }, async () => {
    const dir = await suiteDir('kvstore-java-tls-');
    makeCa(dir, 'ca');
    makeCa(dir, 'stranger-ca');
    makeLeaf(dir, 'server', 'ca', SERVER_EXT);
    makeLeaf(dir, 'client', 'ca', CLIENT_EXT);
    const created = await kvstore(['auth', 'key', 'create', 'java', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { key, line } = JSON.parse(created.stdout) as { key: string; line: string };
    writeFileSync(join(dir, 'keys.yaml'), `${line}\n`);
    const server = await startServerProcess(join(dir, 'data'), [
      '--grpc-tls-cert',
      join(dir, 'server.crt'),
      '--grpc-tls-key',
      join(dir, 'server.key'),
      '--grpc-tls-client-ca',
      join(dir, 'ca.crt'),
      '--security-api-keys-file',
      join(dir, 'keys.yaml'),
    ]);
    cleanup.push(() => server.stop('SIGKILL'));
    const run = java('SecurityTest', [server.addr, key, dir]);
    const code = await run.exit;
    expect(code, run.output()).toBe(0);
    expect(run.output().match(/^ok /gm)?.length).toBe(6);
  });

  it('JWT bearer tokens through the API key option: roles, a refusal for an expired one', {
    timeout: 120_000,
  }, async () => {
    const dir = await tempDir();
    const secret = randomBytes(48);
    writeFileSync(join(dir, 'jwt.secret'), secret);
    const now = Math.floor(Date.now() / 1000);
    const jwt = (roles: string[], exp = now + 600) =>
      new SignJWT({ sub: 'java', iss: 'https://id.test', aud: 'kvstore', exp, roles })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(secret);
    const server = await startServerProcess(join(dir, 'data'), [
      '--security-jwt-secret-file',
      join(dir, 'jwt.secret'),
      '--security-jwt-issuer',
      'https://id.test',
      '--security-jwt-audience',
      'kvstore',
    ]);
    cleanup.push(() => server.stop('SIGKILL'));
    const tokens = [await jwt(['admin']), await jwt(['readonly']), await jwt(['admin'], now - 3600)];
    const run = java('JwtTest', [server.addr, ...tokens]);
    expect(await run.exit, run.output()).toBe(0);
    expect(run.output().match(/^ok /gm)?.length).toBe(3);
  });
});
