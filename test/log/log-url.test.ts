import { describe, expect, it } from 'vitest';
import { formatLogUrl, parseLogUrl } from '../../src/log/log-url.js';

describe('log.url', () => {
  it('reads the SQLite, memory and JetStream forms and writes them back the same', () => {
    expect(parseLogUrl('sqlite:')).toEqual({ scheme: 'sqlite', path: null });
    expect(parseLogUrl('sqlite:/var/lib/kv/log.sqlite')).toEqual({
      scheme: 'sqlite',
      path: '/var/lib/kv/log.sqlite',
    });
    expect(parseLogUrl('memory:')).toEqual({ scheme: 'memory' });
    const url = parseLogUrl('nats://a:4222,nats://b:4223,c:4224/KV_LOG?replicas=3&timeout=5s');
    expect(url).toEqual({
      scheme: 'nats',
      servers: ['nats://a:4222', 'nats://b:4223', 'nats://c:4224'],
      stream: 'KV_LOG',
      replicas: 3,
      timeoutMs: 5000,
    });
    expect(formatLogUrl(url)).toBe('nats://a:4222,b:4223,c:4224/KV_LOG?replicas=3&timeout=5000ms');
    expect(parseLogUrl(formatLogUrl(url))).toEqual(url);
    expect(formatLogUrl(parseLogUrl('nats://127.0.0.1:4222/KV'))).toBe('nats://127.0.0.1:4222/KV');
  });

  it('says what is wrong with a bad URL', () => {
    expect(() => parseLogUrl('mysql://x')).toThrow(/not a log URL/);
    expect(() => parseLogUrl('nats://a:4222')).toThrow(/names no stream/);
    expect(() => parseLogUrl('nats://a/KV')).toThrow(/"a" .* is not HOST:PORT/);
    expect(() => parseLogUrl('nats://a:1/K.V')).toThrow(/stream "K.V"/);
    expect(() => parseLogUrl('nats://a:1/KV?replicas=7')).toThrow(
      /replicas must be a whole number from 1 to 5/,
    );
    expect(() => parseLogUrl('nats://a:1/KV?timeout=5')).toThrow(/timeout must be a duration/);
    expect(() => parseLogUrl('nats://a:1/KV?durable=1')).toThrow(/unknown option "durable"/);
  });

  it('reads the PostgreSQL form, writes it back the same, and never shows the password in messages', () => {
    const url = parseLogUrl('postgres://kv@db.example:6543/kvstore?table=kv_log');
    expect(url).toEqual({
      scheme: 'postgres',
      user: 'kv',
      password: null,
      host: 'db.example',
      port: 6543,
      database: 'kvstore',
      table: 'kv_log',
      timeoutMs: 15_000,
    });
    expect(formatLogUrl(url)).toBe('postgres://kv@db.example:6543/kvstore?table=kv_log');
    expect(parseLogUrl(formatLogUrl(url))).toEqual(url);
    // Defaults: port 5432, table kvstore_log; postgresql:// is the same scheme.
    expect(formatLogUrl(parseLogUrl('postgresql://postgres@127.0.0.1/kv'))).toBe(
      'postgres://postgres@127.0.0.1:5432/kv',
    );
    const secret = parseLogUrl('postgres://kv:p%40ss%2Fw@[::1]:5432/kv');
    expect(secret).toMatchObject({ password: 'p@ss/w', host: '::1' });
    expect(parseLogUrl(formatLogUrl(secret))).toEqual(secret);
    expect(() => parseLogUrl('postgres://kv:hunter2@h/db?table=Bad-Name')).toThrow(/table must be/);
    expect(() => parseLogUrl('postgres://kv:hunter2@h/db?table=Bad-Name')).not.toThrow(/hunter2/);
    expect(() => parseLogUrl('postgres://h/db')).toThrow(/names no user/);
    expect(() => parseLogUrl('postgres://kv@h')).toThrow(/names no database/);
    expect(() => parseLogUrl('postgres://kv:hunter2@h:99999/db')).toThrow(/kv:\*\*\*@h:99999.* is not a URL/);
    expect(() => parseLogUrl('postgres://kv@h/db?sslmode=require')).toThrow(/unknown option "sslmode"/);
    const timed = parseLogUrl('postgres://kv@h/db?timeout=2s&table=t2');
    expect(timed).toMatchObject({ timeoutMs: 2000, table: 't2' });
    expect(formatLogUrl(timed)).toBe('postgres://kv@h:5432/db?table=t2&timeout=2000ms');
    expect(() => parseLogUrl('postgres://kv@h/db?timeout=5')).toThrow(/timeout must be a duration/);
  });
});
