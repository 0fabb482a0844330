import { describe, expect, it } from 'vitest';
import { addressList, addressOf, workerAddresses } from '../../load/addresses.js';

describe('load client addresses', () => {
  it('keeps one address as it is', () => {
    expect(addressOf('127.0.0.1:1', 5)).toBe('127.0.0.1:1');
    expect(workerAddresses('127.0.0.1:1', 2, 1, 8)).toBe('127.0.0.1:1');
  });

  it('puts connection j on endpoint j % n', () => {
    expect([0, 1, 2, 3].map((j) => addressOf('a:1, b:2,c:3', j))).toEqual(['a:1', 'b:2', 'c:3', 'a:1']);
    expect(() => addressList(' , ')).toThrow(/no address/);
  });

  it('gives each worker the endpoints of its connections, round-robin over all workers', () => {
    // 16 connections in 2 workers: worker w's local connection i is global connection 2i + w.
    const all = 'a:1,b:2,c:3';
    const seen: string[] = [];
    for (let w = 0; w < 2; w++) {
      const mine = workerAddresses(all, 2, w, 8);
      addressList(mine).forEach((a, i) => {
        seen[i * 2 + w] = a;
      });
    }
    expect(seen).toEqual(Array.from({ length: 16 }, (_, j) => addressOf(all, j)));
    expect(seen.filter((a) => a === 'a:1')).toHaveLength(6);
    expect(seen.filter((a) => a === 'c:3')).toHaveLength(5);
  });
});
