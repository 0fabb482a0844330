import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CheckpointFormatError,
  readCheckpoint,
  writeCheckpoint,
} from '../../src/projections/checkpoint-file.js';
import type { KeyEntry } from '../../src/projections/key-entry.js';
import { keyEntry, storedValueBytes, toStoredValue } from '../../src/projections/key-entry.js';
import { KeyIndex } from '../../src/projections/key-index.js';

function snapshotOf(list: KeyEntry[]) {
  const index = new KeyIndex();
  for (const e of list) index.appendSorted(e);
  return index.snapshot();
}

import { tempDir } from '../helpers/temp-dir.js';

function entries(n: number): KeyEntry[] {
  return Array.from({ length: n }, (_, i) =>
    keyEntry(
      `key/${String(i).padStart(6, '0')}`,
      toStoredValue(Buffer.from([i & 0xff, 0xff, 0x80, 0])),
      i + 1,
      i + 2,
      2,
      i % 3 === 0 ? 1_900_000_000_000 + i : 0,
    ),
  );
}

async function load(path: string): Promise<KeyEntry[]> {
  const out: KeyEntry[] = [];
  await readCheckpoint(path, (batch) => out.push(...batch));
  return out;
}

describe('checkpoint file', () => {
  it('round-trips entries, binary values and metadata in key order', async () => {
    const path = join(await tempDir(), 'c.kvc');
    const written = entries(10_000);
    await writeCheckpoint(path, 12345, snapshotOf(written));
    const out: KeyEntry[] = [];
    const header = await readCheckpoint(path, (batch) => out.push(...batch));
    expect(header).toMatchObject({ revision: 12345, keyCount: 10_000 });
    expect(out).toEqual(written);
    expect(storedValueBytes(out[7]!.value)).toEqual(Buffer.from([7, 0xff, 0x80, 0]));
  });

  it('refuses a file with one flipped byte anywhere', async () => {
    const dir = await tempDir();
    const path = join(dir, 'c.kvc');
    await writeCheckpoint(path, 9, snapshotOf(entries(3000)));
    const bytes = await readFile(path);
    for (const offset of [3, 20, Math.floor(bytes.length / 2), bytes.length - 40, bytes.length - 1]) {
      const damaged = Buffer.from(bytes);
      damaged[offset]! ^= 0x01;
      const target = join(dir, `flipped-${offset}.kvc`);
      await writeFile(target, damaged);
      await expect(load(target), `flip at ${offset}`).rejects.toBeInstanceOf(Error);
    }
  });

  it('refuses a truncated file, naming the offset', async () => {
    const dir = await tempDir();
    const path = join(dir, 'c.kvc');
    await writeCheckpoint(path, 9, snapshotOf(entries(3000)));
    const bytes = await readFile(path);
    const target = join(dir, 'short.kvc');
    await writeFile(target, bytes.subarray(0, bytes.length - 100));
    const error = await load(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as Error).message).toMatch(/truncated at byte \d+/);
    expect((await stat(path)).size).toBe(bytes.length);
  });
});
