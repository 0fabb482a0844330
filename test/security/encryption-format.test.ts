import { cp, open as openFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { decodeBackup } from '../../src/backup/backup-reader.js';
import { useKeyRing } from '../../src/log/encryption.js';
import { fileSource } from '../../src/projections/byte-reader.js';
import { readCheckpoint } from '../../src/projections/checkpoint-file.js';
import { type StoredValue, storedValueBytes } from '../../src/projections/key-entry.js';
import { KvStore } from '../../src/store/kv-store.js';
import { FIXTURE_KEYS, FIXTURE_LEASE, fixtureKeyRing } from '../fixtures/make-sealed-v1.js';
import { tempDir } from '../helpers/temp-dir.js';

/*
 * Data sealed by an earlier version stays readable: test/fixtures/sealed-v1 (made by make-sealed-v1.ts, then
 * committed) holds a log, a checkpoint and a full backup written with encryption at rest on. Each is read
 * here through its own path, so a change to any sealed layout (envelope or additional data) fails by name.
 */

const FIXTURE = fileURLToPath(new URL('../fixtures/sealed-v1/', import.meta.url));

afterEach(() => useKeyRing(null));

const text = (value: StoredValue) => storedValueBytes(value).toString();

async function copyOfData(): Promise<string> {
  const dir = join(await tempDir(), 'data');
  await cp(join(FIXTURE, 'store'), dir, { recursive: true });
  return dir;
}

async function expectFixtureState(dataDir: string): Promise<void> {
  const store = await KvStore.open({ dataDir });
  try {
    for (const [key, value] of Object.entries(FIXTURE_KEYS)) {
      const entry = store.get(key).entry;
      expect(entry && text(entry.value), key).toBe(value);
    }
    expect(store.leaseOf(FIXTURE_LEASE.keys[0]!)).toBe(FIXTURE_LEASE.id);
  } finally {
    await store.close();
  }
}

it("reads the earlier version's sealed checkpoint frames", async () => {
  useKeyRing(fixtureKeyRing());
  const dir = join(FIXTURE, 'store', 'checkpoints');
  const [name] = await readdir(dir);
  const values: Record<string, string> = {};
  const leases: number[] = [];
  await readCheckpoint(
    join(dir, name!),
    (entries) => {
      for (const e of entries) values[e.key] = text(e.value);
    },
    (wire) => leases.push(...wire.map((l) => Number(l[0]))),
  );
  expect(values).toEqual(FIXTURE_KEYS);
  expect(leases).toEqual([FIXTURE_LEASE.id]);
});

it("opens the earlier version's store from its checkpoint, and from its sealed log records alone", async () => {
  useKeyRing(fixtureKeyRing());
  await expectFixtureState(await copyOfData());
  // Without the checkpoint, start-up replays every record of the log: each is opened under its revision.
  const replayed = await copyOfData();
  await rm(join(replayed, 'checkpoints'), { recursive: true });
  await expectFixtureState(replayed);
});

it("reads the earlier version's sealed backup entries and leases", async () => {
  useKeyRing(fixtureKeyRing());
  const values: Record<string, string> = {};
  const leases: number[] = [];
  const file = await openFile(join(FIXTURE, 'backup.kvb'), 'r');
  try {
    const summary = await decodeBackup(fileSource(file), 'backup.kvb', {
      entries: (entries) => {
        for (const e of entries) values[e.key] = text(e.value);
      },
      leases: (wire) => {
        leases.push(...wire.map((l) => Number(l[0])));
      },
    });
    expect(summary.header.kind).toBe('full');
  } finally {
    await file.close();
  }
  expect(values).toEqual(FIXTURE_KEYS);
  expect(leases).toEqual([FIXTURE_LEASE.id]);
});
