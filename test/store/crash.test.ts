import { describe, expect, it } from 'vitest';
import { storedValueBytes } from '../../src/projections/key-entry.js';
import { KvStore } from '../../src/store/kv-store.js';
import { runUntilKilled } from '../helpers/kill-child.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Ack {
  revision: number;
  key: string;
  value: string;
}

/** Runs the writer child until SIGKILL at a random moment; returns every write it acknowledged. */
async function writeUntilKilled(dataDir: string, runId: number, killAfterMs: number): Promise<Ack[]> {
  const lines = await runUntilKilled('test/fixtures/crash-writer.ts', [dataDir, String(runId)], killAfterMs);
  return lines.map((line) => {
    const [revision, key, value] = line.split(' ');
    return { revision: Number(revision), key: key!, value: value! };
  });
}

describe('crash safety', () => {
  it('keeps every acknowledged write through repeated kill -9 at random moments', async () => {
    const dataDir = await tempDir();
    const all: Ack[] = [];
    for (let run = 0; run < 4; run++) {
      const acks = await writeUntilKilled(dataDir, run, 150 + Math.floor(Math.random() * 900));
      expect(acks.length).toBeGreaterThan(0);
      all.push(...acks);

      const store = await KvStore.open({ dataDir });
      // A loop, not Math.max(...all): a fast run acknowledges more writes than a call's arguments may hold.
      const maxAcked = all.reduce((max, a) => Math.max(max, a.revision), 0);
      expect(store.revision).toBeGreaterThanOrEqual(maxAcked);
      const lost = all.filter((ack) => {
        const entry = store.get(ack.key).entry;
        return (
          !entry ||
          entry.modRevision !== ack.revision ||
          storedValueBytes(entry.value).toString() !== ack.value
        );
      });
      expect(lost, `lost ${lost.length} of ${all.length} acknowledged writes after run ${run}`).toEqual([]);
      // Unacknowledged writes may have landed too, but never a gap: every revision holds one key.
      expect(store.status().keys).toBe(store.revision);
      await store.close();
    }
  });
});
