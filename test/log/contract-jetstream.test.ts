import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { parseLogUrl } from '../../src/log/log-url.js';
import { openLog } from '../../src/log/open-log.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { logContract } from './contract.js';

let nats: NatsServer;
let storeDir: string;
let streams = 0;

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'kvstore-nats-'));
  nats = await natsServer(storeDir);
  await nats.start();
});

afterAll(async () => {
  await nats?.stop();
  await rm(storeDir, { recursive: true, force: true });
});

logContract('jetstream', () => ({
  location: async () => `LOG${++streams}_${process.pid}`,
  open: async (stream) =>
    openLog(parseLogUrl(`nats://127.0.0.1:${nats.port}/${stream}`), { dataDir: await tempDir() }),
  durable: true,
  shared: true,
}));
