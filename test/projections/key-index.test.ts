import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/keys/key-order.js';
import { keyEntry } from '../../src/projections/key-entry.js';
import { KeyIndex } from '../../src/projections/key-index.js';

const entry = (key: string, n = 1) => keyEntry(key, `v${n}`, n, n + 1, 1, n % 2 ? 0 : 1_900_000_000_000 + n);

/** Deterministic PRNG so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const alphabet = ['a', 'b', 'z', '/', 'é', '中', '\uE000', '\uFFFD', '🔑', '😀', '0'];

function randomKey(next: () => number): string {
  let key = '';
  const length = 1 + Math.floor(next() * 4);
  for (let i = 0; i < length; i++) key += alphabet[Math.floor(next() * alphabet.length)];
  return key;
}

describe('compareKeys', () => {
  it('orders keys exactly as their UTF-8 bytes compare, surrogate pairs included', () => {
    const next = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const a = randomKey(next);
      const b = randomKey(next);
      const expected = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(Math.sign(compareKeys(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(expected);
    }
  });
});

describe('KeyIndex', () => {
  it('agrees with a sorted reference through random inserts, overwrites, deletes and scans', () => {
    const next = rng(42);
    const index = new KeyIndex();
    const reference = new Map<string, number>();
    for (let step = 0; step < 60_000; step++) {
      const key = `k${Math.floor(next() * 5000)
        .toString()
        .padStart(4, '0')}`;
      if (next() < 0.65) {
        const prev = index.set(entry(key, step));
        expect(prev?.createRevision).toBe(reference.get(key));
        reference.set(key, step);
      } else {
        expect(index.delete(key)?.createRevision).toBe(reference.get(key));
        reference.delete(key);
      }
    }
    const sorted = [...reference.keys()].sort(compareKeys);
    expect(index.size).toBe(reference.size);
    expect([...index.values()].map((e) => e.key)).toEqual(sorted);
    expect([...index.snapshot().entries()].map((e) => e.key)).toEqual(sorted);
    for (const probe of ['k0000', 'k2500', 'k2500x', 'k4999', 'k9', 'a']) {
      const from = sorted.filter((k) => compareKeys(k, probe) >= 0).slice(0, 50);
      expect([...take(index.scan(probe), 50)].map((e) => e.key)).toEqual(from);
      const after = sorted.filter((k) => compareKeys(k, probe) > 0).slice(0, 50);
      expect([...take(index.scan(probe, true), 50)].map((e) => e.key)).toEqual(after);
    }
    for (const key of sorted.slice(0, 100)) {
      const n = reference.get(key)!;
      expect(index.get(key)).toEqual(entry(key, n));
    }
    expect(index.get('k10000')).toBeUndefined();
  });

  it('bulk-loads sorted entries and refuses an out-of-order one', () => {
    const index = new KeyIndex();
    for (let i = 0; i < 2000; i++) index.appendSorted(entry(`k${String(i).padStart(5, '0')}`));
    expect(index.size).toBe(2000);
    expect(index.get('k01234')?.key).toBe('k01234');
    expect(() => index.appendSorted(entry('a'))).toThrow(/does not sort after/);
    index.set(entry('k00000x'));
    expect([...take(index.scan('k00000'), 3)].map((e) => e.key)).toEqual(['k00000', 'k00000x', 'k00001']);
  });
});

describe('KeyIndex snapshots', () => {
  it('keep the state of the moment while the index changes under them', () => {
    const index = new KeyIndex();
    for (let i = 0; i < 3000; i++) index.set(entry(`k${String(i).padStart(5, '0')}`, i));
    const snapshot = index.snapshot();
    const before = [...snapshot.entries()];
    for (let i = 0; i < 3000; i += 3) index.set(entry(`k${String(i).padStart(5, '0')}`, i + 100_000));
    for (let i = 1; i < 3000; i += 3) index.delete(`k${String(i).padStart(5, '0')}`);
    for (let i = 0; i < 500; i++) index.set(entry(`k${String(i).padStart(5, '0')}x`, i));
    expect(snapshot.size).toBe(3000);
    expect([...snapshot.entries()]).toEqual(before);
    expect(index.size).toBe(2500);
    expect(index.get('k00000')?.createRevision).toBe(100_000);
    expect(index.get('k00001')).toBeUndefined();
  });
});

function* take<T>(it: Iterable<T>, n: number): Iterable<T> {
  if (n <= 0) return;
  for (const x of it) {
    yield x;
    if (--n === 0) return;
  }
}
