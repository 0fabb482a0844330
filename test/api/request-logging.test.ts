import type { ServerUnaryCall } from '@grpc/grpc-js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { unary } from '../../src/api/grpc/unary.js';
import { prettyLine } from '../../src/config/logging.js';
import { UNRESTRICTED } from '../../src/service/access.js';
import { InvalidArgumentError } from '../../src/store/errors.js';
import { rawCall } from '../helpers/raw-grpc.js';
import { clients, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Runs one call through the request wrapper; resolves with the status code it answered. */
function callThrough<Res>(handler: ReturnType<typeof unary<{ key: string }, Res>>): Promise<number> {
  return new Promise((resolve) => {
    handler({ request: { key: 'k' } } as ServerUnaryCall<{ key: string }, Res>, (err) =>
      resolve(err?.code ?? 0),
    );
  });
}

describe('request logging', () => {
  it('logs one line per request at debug, with method, status and milliseconds', async () => {
    const server = await startServerProcess(await tempDir(), ['--log-level', 'debug']);
    const api = clients(server.addr);
    await unaryCall((cb) => api.kv.Get({ key: 'logged' }, cb));
    await unaryCall((cb) => api.kv.Get({ key: '' }, cb)).catch(() => {});
    api.close();
    await server.stop();
    const requests = server.logs.filter((l) => l.msg === 'request' && l.method === 'Get');
    expect(requests.map((l) => l.code)).toEqual(['OK', 'INVALID_ARGUMENT']);
    for (const l of requests) expect(typeof l.ms).toBe('number');
  });

  it('logs requests refused before any handler (a malformed body) at debug, with the status and why', async () => {
    const server = await startServerProcess(await tempDir(), ['--log-level', 'debug']);
    try {
      // A key field (1, length-delimited) whose length runs past the end of the body.
      const answer = await rawCall(server.addr, '/kvstore.v1.KV/Set', Buffer.from('0a0561', 'hex'));
      expect(answer.code).toBe(3);
    } finally {
      await server.stop();
    }
    const refused = server.logs.filter((l) => l.msg === 'request refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 20, method: 'Set', code: 'INVALID_ARGUMENT' });
    expect(refused[0]!.details).toMatch(/^key: /);
  });

  it('warns about requests slower than log.slowRequest at any level, and stays quiet otherwise', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const ctx = { logger, slowRequestMs: 20, accessOf: () => UNRESTRICTED };
    const slow = unary<{ key: string }, object>(
      'Slow',
      ctx,
      () => new Promise((r) => setTimeout(() => r({}), 40)),
    );
    const fast = unary<{ key: string }, object>('Fast', ctx, () => ({}));
    const refused = unary<{ key: string }, object>('Bad', ctx, () => {
      throw new InvalidArgumentError('key', 'must not be empty');
    });
    expect(await callThrough(slow)).toBe(0);
    expect(await callThrough(fast)).toBe(0);
    expect(await callThrough(refused)).toBe(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'slow request', method: 'Slow', code: 'OK' });
    expect(lines[0]!.ms as number).toBeGreaterThanOrEqual(20);
  });

  it('renders a record as one readable line for a terminal', () => {
    const line = JSON.stringify({
      level: 30,
      time: '2026-11-26T12:00:01.123Z',
      pid: 7,
      msg: 'kvstore is serving',
      grpc: '127.0.0.1:50051',
      note: 'two words',
    });
    expect(prettyLine(line)).toBe(
      '12:00:01.123 INFO  kvstore is serving grpc=127.0.0.1:50051 note="two words"\n',
    );
  });
});
