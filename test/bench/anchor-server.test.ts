import { afterEach, describe, expect, it } from 'vitest';
import { type AnchorServer, startAnchorServer } from '../../bench/anchor.js';
import { loadOptions } from '../../load/options.js';
import { runLoad } from '../../load/run.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// npm run bench's floor: if the do-nothing server answered a Get without what a Set wrote (a miss is cheaper
// to serve), or failed calls, the table would set kvstore against a floor lower than grpc-js's.
describe('the do-nothing grpc-js server of npm run bench', () => {
  let anchor: AnchorServer | undefined;
  afterEach(async () => {
    await anchor?.stop();
    anchor = undefined;
  });

  it('serves the load client Gets of what it Set, with server CPU measured, and stops', async () => {
    anchor = await startAnchorServer();
    const result = await runLoad(
      loadOptions('mixed', {
        addr: anchor.addr,
        durationS: 1,
        warmupS: 0.3,
        keys: 100,
        conns: 2,
        inflight: 4,
        workers: 1,
        p95ThresholdMs: 0,
        serverPids: [anchor.pid],
      }),
    );
    expect(result.server).toMatchObject({ version: 'anchor', durability: 'none' });
    expect(result.errors).toBe(0);
    expect(result.get_misses).toBe(0);
    expect(result.ops).toBeGreaterThan(20);
    expect(result.cpu.server_cores).toBeGreaterThan(0);
    const { pid } = anchor;
    await anchor.stop();
    anchor = undefined;
    expect(alive(pid)).toBe(false);
  });
});
