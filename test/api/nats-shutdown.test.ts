import { describe, expect, it } from 'vitest';
import type { StatusResponse__Output } from '../../src/api/generated/kvstore/v1/StatusResponse.js';
import { freePort, natsServer } from '../helpers/nats-server.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const SHUTDOWN_TIMEOUT_MS = 5_000;

async function natsStatus(server: ServerProcess): Promise<StatusResponse__Output['nats']> {
  const api = clients(server.addr);
  try {
    return (await unaryCall<StatusResponse__Output>((cb) => api.admin.Status({}, cb))).nats;
  } finally {
    api.close();
  }
}

async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM; resolves with the exit code, or fails (and kills the process) if it outlives the timeout. */
async function stopWithin(server: ServerProcess, ms: number): Promise<number | null> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    server.stop('SIGTERM'),
    new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), ms);
    }),
  ]);
  clearTimeout(timer);
  if (code === 'hung') {
    server.process.kill('SIGKILL');
    throw new Error(`still running ${ms} ms after SIGTERM`);
  }
  expect(Date.now() - started).toBeLessThan(ms);
  return code;
}

const messages = (server: ServerProcess, pattern: RegExp) =>
  server.logs.filter((l) => pattern.test(String(l.msg)));

describe('shutdown with NATS out of reach', () => {
  it('ends within shutdown.timeout when NATS never answered, having logged and shown why', async () => {
    const closedPort = await freePort();
    const server = await startServerProcess(await tempDir(), [
      '--nats-url',
      `nats://127.0.0.1:${closedPort}`,
      '--shutdown-timeout',
      `${SHUTDOWN_TIMEOUT_MS}ms`,
    ]);
    try {
      const nats = await waitFor(
        () => natsStatus(server),
        (s) => s?.state === 'connecting' && s.last_error !== '',
        'status to show the failure',
      );
      expect(nats?.last_error).toMatch(/ECONNREFUSED|CONNECTION_REFUSED/);
      // Retries go on (several by now), but the log says it once, not once per attempt.
      await waitFor(
        async () => messages(server, /NATS unreachable/).length,
        (n) => n >= 1,
        'the log line',
      );
      expect(messages(server, /NATS unreachable/)).toHaveLength(1);
      expect(messages(server, /NATS unreachable/)[0]).toMatchObject({ level: 40 });

      expect(await stopWithin(server, SHUTDOWN_TIMEOUT_MS)).toBe(0);
    } finally {
      if (server.process.exitCode === null) server.process.kill('SIGKILL');
    }
  });

  it('ends within shutdown.timeout when the NATS server it was connected to is gone', async () => {
    const nats = await natsServer(await tempDir('kvstore-nats-'));
    await nats.start();
    const server = await startServerProcess(await tempDir(), [
      '--nats-url',
      nats.url,
      '--nats-stream',
      'KVSTORE',
      '--shutdown-timeout',
      `${SHUTDOWN_TIMEOUT_MS}ms`,
    ]);
    try {
      await waitFor(
        () => natsStatus(server),
        (s) => s?.state === 'connected',
        'the NATS connection',
      );
      await nats.stop();
      const nats2 = await waitFor(
        () => natsStatus(server),
        (s) => s?.state === 'disconnected' && s.last_error !== '',
        'status to show the disconnection',
      );
      expect(nats2?.last_error).toContain(`disconnected from`);
      expect(messages(server, /NATS disconnected/)).toHaveLength(1);

      expect(await stopWithin(server, SHUTDOWN_TIMEOUT_MS)).toBe(0);
    } finally {
      await nats.stop();
      if (server.process.exitCode === null) server.process.kill('SIGKILL');
    }
  });
});
