import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import {
  decodeRecord,
  encodeRecord,
  LEGACY_FORMAT_VERSION,
  RECORD_FORMAT_VERSION,
  RecordChecksumError,
  RecordFormatError,
  upgradeRecord,
  verifyRawRecord,
} from '../../src/log/codec.js';
import type { LogEvent } from '../../src/log/events.js';

describe('record codec', () => {
  it('round-trips every kind of event with binary values', () => {
    const events: LogEvent[] = [
      { type: 'expire', key: 'a', prevRevision: 3 },
      {
        type: 'put',
        key: 'a',
        value: Buffer.from([0, 255, 128, 7]),
        expiresAt: 1_800_000_000_000,
        createRevision: 9,
        version: 1,
        prevRevision: 0,
      },
      { type: 'delete', key: 'κλειδί/🔑', prevRevision: 8 },
    ];
    const decoded = decodeRecord(9, encodeRecord(9, 1234, events));
    expect(decoded.revision).toBe(9);
    expect(decoded.timeMs).toBe(1234);
    expect(decoded.events).toHaveLength(3);
    expect(decoded.events[0]).toEqual(events[0]);
    const put = decoded.events[1]!;
    expect(put.type).toBe('put');
    if (put.type === 'put') {
      expect(Buffer.from(put.value)).toEqual(Buffer.from([0, 255, 128, 7]));
      expect(put).toMatchObject({ key: 'a', expiresAt: 1_800_000_000_000, createRevision: 9, version: 1 });
    }
    expect(decoded.events[2]).toEqual(events[2]);
  });

  it('decodes values as Buffers from a plain Uint8Array too (what a JetStream direct read returns)', () => {
    const value = Buffer.from('v0');
    const payload = encodeRecord(3, 1, [
      { type: 'put', key: 'k', value, expiresAt: 0, createRevision: 3, version: 1, prevRevision: 0 },
    ]);
    const plain = new Uint8Array(payload.byteLength + 4).subarray(2, 2 + payload.byteLength);
    plain.set(payload);
    const put = decodeRecord(3, plain).events[0]!;
    expect(put.type === 'put' && Buffer.isBuffer(put.value)).toBe(true);
    expect(put.type === 'put' && put.value.toString()).toBe('v0');
  });

  it('starts every payload with the format version byte', () => {
    expect(encodeRecord(1, 1, [{ type: 'delete', key: 'k', prevRevision: 1 }])[0]).toBe(
      RECORD_FORMAT_VERSION,
    );
  });

  it('refuses a newer format version, naming the revision', () => {
    const payload = encodeRecord(42, 1, [{ type: 'delete', key: 'k', prevRevision: 1 }]);
    payload[0] = 99;
    expect(() => decodeRecord(42, payload)).toThrow(/revision 42: format version 99 is not supported/);
  });

  it('refuses an unknown opcode instead of guessing', () => {
    const body = new Packr({ useRecords: false }).pack([1, [[77, 'k']]]);
    const payload = Buffer.concat([Buffer.from([LEGACY_FORMAT_VERSION]), body]);
    expect(() => decodeRecord(5, payload, { legacy: true })).toThrow(RecordFormatError);
    expect(() => decodeRecord(5, payload, { legacy: true })).toThrow(/unknown event opcode 77/);
  });

  it('refuses bytes that are not MessagePack', () => {
    expect(() => decodeRecord(1, Buffer.from([LEGACY_FORMAT_VERSION, 0xc1, 0xc1]), { legacy: true })).toThrow(
      RecordFormatError,
    );
  });
});

describe('record checksum', () => {
  const put: LogEvent = {
    type: 'put',
    key: 'k',
    value: Buffer.from('hello world'),
    expiresAt: 0,
    createRevision: 7,
    version: 1,
    prevRevision: 0,
  };

  it('refuses a payload with any one byte flipped, naming the revision', () => {
    const payload = encodeRecord(7, 1234, [put]);
    for (let at = 1; at < payload.length; at++) {
      const damaged = Buffer.from(payload);
      damaged[at] = damaged[at]! ^ 0x10;
      expect(() => decodeRecord(7, damaged)).toThrow(RecordChecksumError);
      expect(() => verifyRawRecord(7, damaged)).toThrow(/record at revision 7: fails its checksum/);
    }
    expect(decodeRecord(7, payload).events).toEqual([put]);
  });

  it('refuses a sound payload stored at another revision', () => {
    const payload = encodeRecord(7, 1234, [put]);
    expect(() => decodeRecord(8, payload)).toThrow(RecordChecksumError);
    expect(() => verifyRawRecord(2 ** 40 + 7, payload)).toThrow(RecordChecksumError);
  });

  it('reads a version-1 payload only when asked to, and upgrades it keeping its body', () => {
    const current = encodeRecord(7, 1234, [put]);
    const legacy = Buffer.concat([Buffer.from([LEGACY_FORMAT_VERSION]), current.subarray(5)]);
    expect(() => decodeRecord(7, legacy)).toThrow(/format version 1 \(no checksum\)/);
    expect(decodeRecord(7, legacy, { legacy: true }).events).toEqual([put]);
    const upgraded = Buffer.from(upgradeRecord(7, legacy));
    expect(upgraded.equals(current)).toBe(true);
    expect(upgradeRecord(7, current)).toBe(current);
    expect(() => upgradeRecord(7, Buffer.from([LEGACY_FORMAT_VERSION, 0xc1]))).toThrow(RecordFormatError);
  });
});
