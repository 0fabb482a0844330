import { describe, expect, it } from 'vitest';
import { KvStore } from '../../src/store/kv-store.js';
import { kvstore } from '../helpers/cli.js';
import { flipValueInRecord } from '../helpers/log-damage.js';
import { startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const valueFor = (i: number) => `status-value-${String(i).padStart(4, '0')}-that-rots`;

interface StatusJson {
  readonly history_check: {
    readonly state: string;
    readonly checked_records: number;
    readonly damaged_records: number;
    readonly damaged_revisions: number[];
  } | null;
}

async function statusJson(addr: string): Promise<StatusJson> {
  const out = await kvstore(['status', '--json', '--addr', addr]);
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as StatusJson;
}

describe('kvstore status', () => {
  it('shows a record damaged below the verified-through watermark, found by the background check', async () => {
    const dir = await tempDir();
    const first = await KvStore.open({ dataDir: dir, durability: 'relaxed' });
    for (let i = 0; i < 40; i++) await first.set(`k/${i}`, Buffer.from(valueFor(i))); // revisions 1..40
    await first.close();
    await (await KvStore.open({ dataDir: dir, durability: 'relaxed' })).close(); // the watermark is now 40
    await flipValueInRecord(dir, 12, valueFor(11)); // bit rot in history start-up no longer reads

    const server = await startServerProcess(dir);
    try {
      const deadline = Date.now() + 15_000;
      let status = await statusJson(server.addr);
      while (status.history_check?.state !== 'done') {
        if (Date.now() > deadline) throw new Error(`history check not done: ${JSON.stringify(status)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = await statusJson(server.addr);
      }
      expect(status.history_check).toEqual({
        state: 'done',
        checked_records: 40,
        damaged_records: 1,
        damaged_revisions: [12],
      });

      const text = await kvstore(['status', '--addr', server.addr]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        /^history_check +done, 40 records, 1 damaged: revisions 12 — see kvstore check$/m,
      );
    } finally {
      await server.stop();
    }
  });
});
