import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeRecord,
  encodeRecord,
  RecordChecksumError,
  recordKeyId,
  verifyRawRecord,
} from '../../src/log/codec.js';
import { crc32c } from '../../src/log/crc32c.js';
import { DecryptionError, EncryptionKeyError, KeyRing, useKeyRing } from '../../src/log/encryption.js';
import type { LogEvent } from '../../src/log/events.js';
import { loadKeyRing, parseKeyFile, parseKeyList } from '../../src/security/encryption-keys.js';
import { tempDir } from '../helpers/temp-dir.js';

const b64 = (n = 32) => randomBytes(n).toString('base64');

afterEach(() => useKeyRing(null));

describe('encryption keys: the key file and KVSTORE_ENCRYPTION_KEY', () => {
  it('reads id: base64 lines, the first current unless current: names another; JSON too', () => {
    const [a, b] = [b64(), b64()];
    expect(parseKeyFile(`k1: ${a}\nk2: ${b}\n`, 'f').currentId).toBe('k1');
    const ring = parseKeyFile(`k1: ${a}\nk2: ${b}\ncurrent: k2\n`, 'f');
    expect(ring.currentId).toBe('k2');
    expect(ring.ids()).toEqual(['k2', 'k1']);
    expect(ring.get('k1')!.toString('base64')).toBe(a);
    expect(parseKeyFile(JSON.stringify({ old: a, new: b, current: 'new' }), 'f').currentId).toBe('new');
    expect(parseKeyList(`k9:${a}, k8:${b}`, 'env').ids()).toEqual(['k9', 'k8']);
  });

  it('refuses keys that are not 32 bytes of valid base64, duplicate ids, an unknown current, and both sources', async () => {
    expect(() => parseKeyFile(`k1: ${b64(16)}\n`, 'keys.yaml')).toThrow(
      /keys.yaml: key "k1" is 16 bytes; AES-256 needs exactly 32/,
    );
    expect(() => parseKeyFile(`k1: ${b64().slice(0, -2)}!!\n`, 'keys.yaml')).toThrow(
      /key "k1" is not valid base64/,
    );
    expect(() => parseKeyFile(`k1: ${b64()}\ncurrent: k7\n`, 'keys.yaml')).toThrow(
      /the current key "k7" is not among the keys/,
    );
    expect(() => parseKeyList(`k1:${b64()},k1:${b64()}`, 'KVSTORE_ENCRYPTION_KEY')).toThrow(
      /key id "k1" appears twice/,
    );
    expect(() => parseKeyFile(`"bad id": ${b64()}\n`, 'keys.yaml')).toThrow(/key id "bad id" is not/);
    const dir = await tempDir();
    const file = join(dir, 'keys.yaml');
    await writeFile(file, `k1: ${b64()}\n`);
    expect(() => loadKeyRing(file, `k2:${b64()}`)).toThrow(/set one of them/);
    expect(() => loadKeyRing(join(dir, 'missing.yaml'), undefined)).toThrow(/cannot be read \(ENOENT\)/);
    expect(loadKeyRing('', undefined)).toBeNull();
    expect(loadKeyRing('', '  ')).toBeNull();
    expect(loadKeyRing(file, undefined)?.currentId).toBe('k1');
  });
});

describe('sealed log records: integrity', () => {
  const events: LogEvent[] = [
    {
      type: 'put',
      key: 'secret-key',
      value: Buffer.from('secret-value'),
      expiresAt: 0,
      createRevision: 5,
      version: 1,
      prevRevision: 0,
    },
  ];
  /** The payload with its stored CRC-32C recomputed for `revision` (what a forger who knows the format does). */
  const reChecksum = (payload: Buffer, revision: number) => {
    const rev = Buffer.alloc(8);
    rev.writeUInt32BE(Math.floor(revision / 0x1_0000_0000), 0);
    rev.writeUInt32BE(revision >>> 0, 4);
    const out = Buffer.from(payload);
    out.writeUInt32BE(crc32c(out.subarray(5), crc32c(rev)), 1);
    return out;
  };

  it('seals the body under the current key id, and opens it again', () => {
    useKeyRing(new KeyRing([{ id: 'k1', key: randomBytes(32) }], 'k1'));
    const payload = encodeRecord(5, 1234, events);
    expect(payload[0]).toBe(3);
    expect(recordKeyId(payload)).toBe('k1');
    expect(payload.includes('secret-value')).toBe(false);
    expect(payload.includes('secret-key')).toBe(false);
    expect(decodeRecord(5, payload)).toMatchObject({ revision: 5, timeMs: 1234, events });
    // A copy (backups) checks the checksum only: no key needed.
    useKeyRing(null);
    expect(() => verifyRawRecord(5, payload)).not.toThrow();
    expect(() => decodeRecord(5, payload)).toThrow(EncryptionKeyError);
  });

  it('tells damage (checksum) from a forgery or a record moved to another revision (GCM tag)', () => {
    useKeyRing(new KeyRing([{ id: 'k1', key: randomBytes(32) }], 'k1'));
    const payload = encodeRecord(5, 1234, events);
    const flipped = Buffer.from(payload);
    flipped[flipped.length - 20]! ^= 1;
    expect(() => decodeRecord(5, flipped)).toThrow(RecordChecksumError);
    expect(() => decodeRecord(5, reChecksum(flipped, 5))).toThrow(DecryptionError);
    expect(() => decodeRecord(6, payload)).toThrow(RecordChecksumError);
    expect(() => decodeRecord(6, reChecksum(payload, 6))).toThrow(
      /revision 6 fails AES-256-GCM authentication/,
    );
  });
});
