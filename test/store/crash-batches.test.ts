import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { KvStore } from '../../src/store/kv-store.js';
import { tempDir } from '../helpers/temp-dir.js';

function runUntilKilled(dataDir: string, runId: number, killAfterMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/crash-batch-writer.ts', dataDir, String(runId)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const acked: string[] = [];
    let killTimer: NodeJS.Timeout | undefined;
    createInterface({ input: child.stdout }).on('line', (line) => {
      acked.push(line.slice('batch '.length));
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal}`));
      else setImmediate(() => resolve(acked));
    });
  });
}

describe('crash safety of batches', () => {
  it('leaves every batch all-or-nothing, and every acknowledged batch whole, after kill -9', async () => {
    const dataDir = await tempDir();
    const acked: string[] = [];
    for (let run = 0; run < 3; run++) {
      acked.push(...(await runUntilKilled(dataDir, run, 200 + Math.floor(Math.random() * 800))));
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
