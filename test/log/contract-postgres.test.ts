import { afterAll, beforeAll } from 'vitest';
import { parseLogUrl } from '../../src/log/log-url.js';
import { openLog } from '../../src/log/open-log.js';
import { type TestDatabase, testDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';
import { logContract } from './contract.js';

let db: TestDatabase;
let tables = 0;

beforeAll(async () => {
  db = await testDatabase();
});

afterAll(async () => {
  await db?.drop();
});

logContract('postgres', () => ({
  location: async () => `log${++tables}`,
  open: async (table) => openLog(parseLogUrl(db.url(table)), { dataDir: await tempDir() }),
  durable: true,
  shared: true,
}));
