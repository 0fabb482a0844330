import { afterEach, expect, it } from 'vitest';
import { UNRESTRICTED } from '../../src/service/access.js';
import type { EtcdRequestOpInput } from '../../src/service/etcd-messages.js';
import { ETCD_ERRORS, EtcdKvOperations } from '../../src/service/etcd-operations.js';
import { KvStore } from '../../src/store/kv-store.js';
import { etcdRangeInput } from '../helpers/etcd-range-input.js';
import { tempDir } from '../helpers/temp-dir.js';

/*
 * A Txn that writes and reads a range at a past revision, racing a compaction past that revision: the
 * answer must be whole either way, never "compacted" after the Txn's writes are in (an error the client
 * takes for "nothing happened").
 */

const open: { store: KvStore; ops: EtcdKvOperations }[] = [];
afterEach(async () => {
  for (const { store, ops } of open.splice(0)) {
    ops.close();
    await store.close();
  }
});

const b = (s: string) => Buffer.from(s);

const rangeAt = (key: string, revision: number): EtcdRequestOpInput => ({
  request: 'request_range',
  request_range: etcdRangeInput({ key: b(key), revision }),
});

const put = (key: string, value: string): EtcdRequestOpInput => ({
  request: 'request_put',
  request_put: {
    key: b(key),
    value: b(value),
    lease: 0,
    prev_kv: false,
    ignore_value: false,
    ignore_lease: false,
  },
});

it.each([
  ['rebuilt from the log', false],
  ['from the history index', true],
])(
  'answers a past range inside a writing Txn whole, or refuses it with nothing written, when a compaction passes it meanwhile (%s)',
  async (_, warm) => {
    const store = await KvStore.open({ dataDir: await tempDir() });
    let ops = new EtcdKvOperations(store, { maxResponseBytes: 4 << 20 });
    open.push({ store, ops });
    // The Txn arrives just before the compaction asks the log to drop history: its check sees the old
    // compact revision, and the log runs the compaction before the Txn's commit (chores go first).
    const log = store.eventLog;
    const compactLog = log.compact.bind(log);
    let arrived: () => void = () => {};
    log.compact = (revision) => {
      arrived();
      return compactLog(revision);
    };
    const outcomes: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i <= 3; i++) await store.set('k', b(`v${round}.${i}`));
      const past = store.revision - 1;
      // A read at a past revision starts the history index; without one (a fresh service), the Txn's past
      // read is rebuilt from the log.
      if (warm) await ops.range({ ...rangeAt('k', past).request_range! }, UNRESTRICTED);
      else {
        ops.close();
        ops = new EtcdKvOperations(store, { maxResponseBytes: 4 << 20 });
        open[0]!.ops = ops;
      }
      const before = store.revision;
      const txnOps = ops;
      const txn = new Promise<Awaited<ReturnType<EtcdKvOperations['txn']>>>((resolve, reject) => {
        arrived = () => {
          arrived = () => {};
          txnOps
            .txn(
              { compare: [], success: [put(`w${round}`, 'x'), rangeAt('k', past)], failure: [] },
              UNRESTRICTED,
            )
            .then(resolve, reject);
        };
      });
      const compact = ops.compact(before, UNRESTRICTED);
      const [answer] = await Promise.allSettled([txn, compact]);
      await compact;
      const written = store.get(`w${round}`).entry;
      outcomes.push(answer.status === 'fulfilled' ? 'answered' : 'refused');
      if (answer.status === 'fulfilled') {
        expect(written?.value.toString()).toBe('x');
        const kvs = answer.value.responses[1]!.response_range!.kvs;
        expect(kvs.map((kv) => kv.value.toString())).toEqual([`v${round}.2`]);
      } else {
        expect((answer.reason as Error).message).toContain(ETCD_ERRORS.compacted);
        expect(written, `round ${round}: a Txn answered "compacted" wrote nothing`).toBeUndefined();
        expect(store.revision).toBe(before);
      }
    }
    // Both are right; which one comes depends on whether the read had to wait for the log.
    console.log(`${warm ? 'history index' : 'rebuilt'}: ${outcomes.join(', ')}`);
  },
);
