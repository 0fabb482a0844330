import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { storedValueBytes } from '../../src/projections/key-entry.js';
import { KvStore } from '../../src/store/kv-store.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Ack {
  revision: number;
  key: string;
  value: string;
}

/** Runs the writer child, kills it with SIGKILL `killAfterMs` after its first ack, returns every ack it printed. */
function writeUntilKilled(dataDir: string, runId: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/crash-writer.ts', dataDir, String(runId)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const acks: Ack[] = [];
    let killTimer: NodeJS.Timeout | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') return;
      const [revision, key, value] = line.split(' ');
      acks.push({ revision: Number(revision), key: key!, value: value! });
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL')
        reject(new Error(`writer exited with ${code ?? signal} before it was killed`));
      // The readline interface may still hold buffered lines; let it drain.
      else {
        clearTimeout(killTimer);
        setImmediate(() => resolve(acks));
      }
    });
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
      const maxAcked = Math.max(...all.map((a) => a.revision));
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
