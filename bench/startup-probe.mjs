// Opens a store in this fresh process and prints its start-up time and memory as JSON (used by engine.ts).
// Plain JavaScript over dist/, so the figures are those of the built product, without a TypeScript loader.
import { KvStore } from '../dist/store/kv-store.js';

const t0 = performance.now();
const store = await KvStore.open({
  dataDir: process.argv[2],
  checkpoint: { everyRevisions: 0, intervalMs: 0 },
});
const ms = performance.now() - t0;
const keys = store.status().keys;
await new Promise((resolve) => setTimeout(resolve, 200));
const rss = process.memoryUsage().rss;
const figures = { startup_ms: Math.round(ms), keys_loaded: keys, rss_mb: Math.round(rss / 1e6) };
// With --background: also how long the background check of the history already verified takes.
if (process.argv[3] === '--background') {
  while (store.status().historyCheck.state === 'running')
    await new Promise((resolve) => setTimeout(resolve, 50));
  figures.background_check_ms = Math.round(performance.now() - t0 - ms);
  figures.background_check_records = store.status().historyCheck.checkedRecords;
}
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
