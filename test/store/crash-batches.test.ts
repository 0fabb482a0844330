import { describe, expect, it } from 'vitest';
import { KvStore } from '../../src/store/kv-store.js';
import { runUntilKilled } from '../helpers/kill-child.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('crash safety of batches', () => {
  it('leaves every batch all-or-nothing, and every acknowledged batch whole, after kill -9', async () => {
    const dataDir = await tempDir();
    const acked: string[] = [];
    for (let run = 0; run < 3; run++) {
      const lines = await runUntilKilled(
        'test/fixtures/crash-batch-writer.ts',
        [dataDir, String(run)],
        200 + Math.floor(Math.random() * 800),
      );
      acked.push(...lines.map((line) => line.slice('batch '.length)));
      const store = await KvStore.open({ dataDir });
      const sizes = new Map<string, number>();
      let after: string | undefined;
      for (;;) {
        const page = store.list({ span: { kind: 'prefix', prefix: 'batch/' }, limit: 10_000, after });
        for (const e of page.entries) {
          const id = e.key.split('/')[1]!;
          sizes.set(id, (sizes.get(id) ?? 0) + 1);
        }
        if (page.next === undefined) break;
        after = page.next;
      }
      const torn = [...sizes].filter(([, n]) => n !== 10);
      expect(torn, 'batches with some keys but not all').toEqual([]);
      const lost = acked.filter((id) => sizes.get(id) !== 10);
      expect(lost, `acknowledged batches missing after run ${run}`).toEqual([]);
      await store.close();
    }
  });
});
