import { describe, expect, it } from 'vitest';
import type { CommitObserver } from '../../src/log/commit-observer.js';
import { parseLogUrl } from '../../src/log/log-url.js';
import { openLog } from '../../src/log/open-log.js';
import { classifyError } from '../../src/service/errors.js';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { KvStore } from '../../src/store/kv-store.js';
import { tempDir } from '../helpers/temp-dir.js';

const text = (value: string) => new TextEncoder().encode(value);

describe('a committed write the store cannot apply', () => {
  it('is answered UNAVAILABLE saying it was committed, later writes are refused, a restart applies it', {
    timeout: 60_000,
  }, async () => {
    const dataDir = await tempDir();
    let target = Number.POSITIVE_INFINITY;
    const failures: Error[] = [];
    const observer: CommitObserver = { committed: () => {}, failed: (err) => failures.push(err) };
    // The test's own commit listener, registered before the store's: it throws on the chosen revision, as a
    // bug in applying a record would, so the store's projections never see that record.
    const store = await KvStore.open({
      dataDir,
      commitObserver: observer,
      log: async (dir) => {
        const log = await openLog(parseLogUrl('sqlite:'), { dataDir: dir, observer });
        log.onCommit((records) => {
          if (records.some((r) => r.revision === target)) throw new Error('cannot apply this record');
        });
        return log;
      },
    });
    let revision: number;
    try {
      revision = (await store.set('a', text('1'))).revision;
      target = revision + 1;
      const err = await store.set('b', text('2')).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err!.message).toMatch(
        new RegExp(`revision ${target} committed to the log, but this server could not apply it`),
      );
      const answer = classifyError(err).error;
      expect(answer.code).toBe('UNAVAILABLE');
      expect(answer.message).toBe(err!.message);
      await expect(store.set('c', text('3'))).rejects.toThrow(/committed to the log, but this server/);
      expect(failures).toHaveLength(1);
      // Reads still answer from the state as it was (the write is not visible here), never a newer one.
      expect(store.get('b').entry).toBeUndefined();
    } finally {
      await store.close();
    }
    const reopened = await KvStore.open({ dataDir });
    try {
      expect(reopened.get('b').entry?.value).toBe('2');
      expect(reopened.get('c').entry).toBeUndefined();
      expect((await reopened.set('c', text('3'))).revision).toBe(target + 1);
    } finally {
      await reopened.close();
    }
  });
});
