import { afterEach, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const running: ServerProcess[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) expect(await s.stop()).toBe(0);
});

async function start(args: string[]): Promise<ServerProcess> {
  const server = await startServerProcess(await tempDir('kvstore-http-listen-'), args);
  running.push(server);
  return server;
}

describe('http.api: where the JSON API is served', () => {
  it('on its own listener with --http-api HOST:PORT (and not on the admin one)', async () => {
    const server = await start(['--http-api', '127.0.0.1:0']);
    const serving = server.logs.find((l) => l.msg === 'kvstore is serving')!;
    const own = String(serving.httpApi);
    expect(own).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(own).not.toBe(serving.http);
    const put = await fetch(`http://${own}/v1/kv/k`, { method: 'PUT', body: 'v' });
    expect(put.status).toBe(200);
    expect((await fetch(`http://${own}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/v1/kv/k`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).status).toBe(200);
  });

  it('nowhere with --http-api off', async () => {
    const server = await start(['--http-api', 'off']);
    expect(server.logs.find((l) => l.msg === 'kvstore is serving')!.httpApi).toBe('off');
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/v1/status`)).status).toBe(404);
  });
});
