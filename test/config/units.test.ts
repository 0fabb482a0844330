import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/units.js';

describe('durations', () => {
  it('reads a bare number as milliseconds in settings and as seconds on the command line', () => {
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('10', 's')).toBe(10_000);
    expect(parseDuration('2.5', 's')).toBe(2500);
  });

  it('reads units and compounds the same way everywhere', () => {
    for (const bare of ['ms', 's'] as const) {
      expect(parseDuration('500ms', bare)).toBe(500);
      expect(parseDuration('5m30s', bare)).toBe(330_000);
      expect(parseDuration('1h30m', bare)).toBe(5_400_000);
      expect(parseDuration('1d 2h', bare)).toBe(93_600_000);
      expect(parseDuration('1.5h', bare)).toBe(5_400_000);
    }
  });

  it('refuses what is not a duration', () => {
    for (const text of ['', 'soon', '-5s', '5 m30', '30s5', 'm', '1w', '5m-30s']) {
      expect(parseDuration(text, 's'), text).toBeNull();
    }
  });
});
