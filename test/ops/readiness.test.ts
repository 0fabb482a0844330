import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startOperations } from '../../src/api/http/operations.js';
import { Readiness } from '../../src/api/http/readiness.js';
import { loadConfig } from '../../src/config/load.js';
import { KvStore } from '../../src/store/kv-store.js';
import { parseExposition, sampleValue } from '../helpers/prometheus.js';
import { serveArgs } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A log long enough that replaying it at start-up takes a visible while (about a second here). */
async function writeLongLog(dataDir: string, records: number): Promise<void> {
  const store = await KvStore.open({
    dataDir,
    durability: 'relaxed',
    checkpoint: { everyRevisions: 0, intervalMs: 0 },
  });
  const value = Buffer.alloc(100, 120);
  for (let i = 0; i < records; i += 2000) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(records, i + 2000); j++) batch.push(store.set(`ready/${j % 20_000}`, value));
    await Promise.all(batch);
  }
  await store.close();
  // close() writes a checkpoint; without it the server must replay the whole log.
  await rm(join(dataDir, 'checkpoints'), { recursive: true, force: true });
}

interface Probe {
  readonly status: number;
  readonly body: string;
}

describe('/readyz at start-up', () => {
  it('answers 503 with the reason while the projections catch up, then 200', async () => {
    const dataDir = await tempDir();
    await writeLongLog(dataDir, 100_000);
    const child = spawn(
      process.execPath,
      [
        'bin/kvstore',
        ...serveArgs(dataDir),
        '--log-format',
        'json',
        '--checkpoint-every-revisions',
        '0',
        '--checkpoint-interval',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const httpAddress = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const record = JSON.parse(line) as { msg?: string; http?: string };
        if (record.msg?.startsWith('admin http listening')) resolve(record.http!);
      });
      exited.then((code) => reject(new Error(`server exited with ${code}`)));
    });

    const probes: Probe[] = [];
    let health = 0;
    let revisionWhenReady: number | undefined;
    try {
      for (;;) {
        const response = await fetch(`http://${httpAddress}/readyz`);
        probes.push({ status: response.status, body: await response.text() });
        if (response.status === 200) break;
        if (probes.length === 1) health = (await fetch(`http://${httpAddress}/healthz`)).status;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const metrics = parseExposition(await (await fetch(`http://${httpAddress}/metrics`)).text());
      revisionWhenReady = sampleValue(metrics, 'kvstore_revision');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);

    const first = probes[0]!;
    expect(first.status).toBe(503);
    expect(first.body).toMatch(/^not ready: starting: .*replaying the log/);
    expect(health).toBe(200); // alive all along: a liveness probe must not kill a server that is replaying
    const last = probes.at(-1)!;
    expect(last.status).toBe(200);
    expect(last.body).toBe('ready\n');
    // Every answer before the last was 503, and once ready the projections hold the whole log.
    expect(probes.slice(0, -1).every((p) => p.status === 503)).toBe(true);
    expect(revisionWhenReady).toBe(100_000);
  });
});

describe('Readiness', () => {
  it('is not ready while starting or stopping, and otherwise reports every failed check', () => {
    const readiness = new Readiness();
    readiness.starting('starting: replaying');
    expect(readiness.report()).toEqual({ ready: false, reasons: ['starting: replaying'] });
    let natsUp = false;
    readiness.addCheck(() => (natsUp ? null : 'NATS is not connected'));
    readiness.addCheck(() => null);
    readiness.serving();
    expect(readiness.report()).toEqual({ ready: false, reasons: ['NATS is not connected'] });
    natsUp = true;
    expect(readiness.report()).toEqual({ ready: true, reasons: [] });
    readiness.stopping();
    readiness.serving(); // no way back once shutdown began
    expect(readiness.report()).toEqual({ ready: false, reasons: ['shutting down'] });
  });
});

describe('NATS and readiness', () => {
  async function readyz(required: boolean, connected: boolean | undefined): Promise<[number, string]> {
    const flags = new Map([
      ['http.listen', '127.0.0.1:0'],
      ['nats.url', 'nats://127.0.0.1:4222'],
      ['nats.required', String(required)],
    ]);
    const ops = await startOperations(loadConfig({ env: {}, flags }).config, pino({ level: 'silent' }));
    try {
      if (connected !== undefined) ops.providers.nats = () => ({ connected, lagRevisions: 0 });
      const store = { revision: 3, eventLog: { lastRevision: () => 3 }, status: () => ({}) };
      ops.serving(store as unknown as Parameters<typeof ops.serving>[0]);
      const response = await fetch(`http://127.0.0.1:${ops.httpPort}/readyz`);
      return [response.status, await response.text()];
    } finally {
      await ops.close();
    }
  }

  it('is ready with NATS down unless nats.required is set', async () => {
    expect(await readyz(false, false)).toEqual([200, 'ready\n']);
    expect(await readyz(true, true)).toEqual([200, 'ready\n']);
    expect(await readyz(true, false)).toEqual([
      503,
      'not ready: NATS is not connected (nats.required is set)\n',
    ]);
    expect((await readyz(true, undefined))[0]).toBe(503);
  });
});
