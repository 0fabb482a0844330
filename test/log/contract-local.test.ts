import { join } from 'node:path';
import { MemoryEventLog } from '../../src/log/memory/memory-log.js';
import { SqliteEventLog } from '../../src/log/sqlite/sqlite-log.js';
import { tempDir } from '../helpers/temp-dir.js';
import { logContract } from './contract.js';

logContract('sqlite', () => ({
  location: async () => join(await tempDir(), 'log.sqlite'),
  open: (path) => SqliteEventLog.open(path, { durability: 'relaxed' }),
  durable: true,
  shared: false,
}));

logContract('memory', () => ({
  location: async () => 'memory',
  open: async () => new MemoryEventLog(),
  durable: false,
  shared: false,
}));
