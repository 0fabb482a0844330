import { describe, expect, it } from 'vitest';
import {
  decodeToken,
  encodeToken,
  keySubject,
  patternSubject,
  subjectKey,
} from '../../src/streams/nats/subjects.js';

describe('NATS subject contract', () => {
  it('maps key segments to tokens reversibly, escaping what NATS reserves', () => {
    const keys = [
      'app/config',
      'a.b/c d',
      'x/*/>',
      'user:42',
      '',
      '/lead',
      'trail/',
      'a//b',
      'ü/日本/🔑',
      '100%',
      'Z_z-9',
    ];
    for (const key of keys) {
      const subject = keySubject('kvstore.events', key);
      expect(subject, key).toMatch(/^kvstore\.events(\.[A-Za-z0-9_%-]+)+$/);
      expect(subjectKey('kvstore.events', subject)).toBe(key);
    }
    expect(keySubject('kvstore.events', 'app/config')).toBe('kvstore.events.app.config');
    expect(keySubject('kvstore.events', 'a.b/c d')).toBe('kvstore.events.a%2Eb.c%20d');
    expect(encodeToken('')).toBe('%');
    expect(decodeToken('%25')).toBe('%');
  });

  it('hashes keys too long for a subject into a form no key can produce', () => {
    const subject = keySubject('kvstore.events', 'k'.repeat(3000));
    expect(subject).toMatch(/^kvstore\.events\.%%\.[0-9a-f]{64}$/);
    expect(subjectKey('kvstore.events', subject)).toBeUndefined();
  });

  it('turns key patterns into subject filters', () => {
    expect(patternSubject('kvstore.events', 'app/*/config')).toBe('kvstore.events.app.*.config');
    expect(patternSubject('kvstore.events', 'app/**')).toBe('kvstore.events.app.>');
    expect(patternSubject('kvstore.events', 'a.b/>')).toBe('kvstore.events.a%2Eb.>');
  });
});
