import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, RECORD_FORMAT_VERSION, RecordFormatError } from '../../src/log/codec.js';
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
    const decoded = decodeRecord(9, encodeRecord(1234, events));
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

  it('starts every payload with the format version byte', () => {
    expect(encodeRecord(1, [{ type: 'delete', key: 'k', prevRevision: 1 }])[0]).toBe(RECORD_FORMAT_VERSION);
  });

  it('refuses a newer format version, naming the revision', () => {
    const payload = encodeRecord(1, [{ type: 'delete', key: 'k', prevRevision: 1 }]);
    payload[0] = 99;
    expect(() => decodeRecord(42, payload)).toThrow(/revision 42: format version 99 is not supported/);
  });

  it('refuses an unknown opcode instead of guessing', () => {
    const body = new Packr({ useRecords: false }).pack([1, [[77, 'k']]]);
    const payload = Buffer.concat([Buffer.from([RECORD_FORMAT_VERSION]), body]);
    expect(() => decodeRecord(5, payload)).toThrow(RecordFormatError);
    expect(() => decodeRecord(5, payload)).toThrow(/unknown event opcode 77/);
  });

  it('refuses bytes that are not MessagePack', () => {
    expect(() => decodeRecord(1, Buffer.from([RECORD_FORMAT_VERSION, 0xc1, 0xc1]))).toThrow(
      RecordFormatError,
    );
  });
});
