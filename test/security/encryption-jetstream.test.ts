import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyRing, useKeyRing } from '../../src/log/encryption.js';
import { parseLogUrl } from '../../src/log/log-url.js';
import { KvStore } from '../../src/store/kv-store.js';
import { natsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const SECRET = 'jetstream-canary-0d9f13';

/** Every byte JetStream stored for `stream` under `storeDir` (its message blocks and indexes). */
async function streamBytes(storeDir: string, stream: string): Promise<Buffer> {
  const found: Buffer[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else found.push(await readFile(path));
    }
  };
  await walk(join(storeDir, 'jetstream', '$G', 'streams', stream));
  return Buffer.concat(found);
}

afterEach(() => useKeyRing(null));

describe('encryption at rest on a JetStream log', () => {
  it("leaves no plaintext key or value in the stream's files on disk with it on; off, they are there", async () => {
    const storeDir = join(await tempDir(), 'nats');
    const nats = await natsServer(storeDir);
    await nats.start();
    try {
      const write = async (stream: string) => {
        const store = await KvStore.open({
          dataDir: await tempDir(),
          log: parseLogUrl(`nats://127.0.0.1:${nats.port}/${stream}`),
        });
        for (let i = 0; i < 10; i++)
          await store.set(`${SECRET}/key-${i}`, Buffer.from(`${SECRET}-value-${i}`));
        expect(Buffer.from(store.get(`${SECRET}/key-4`).entry!.value).toString()).toBe(`${SECRET}-value-4`);
        await store.close();
      };
      await write('PLAIN');
      useKeyRing(new KeyRing([{ id: 'k1', key: randomBytes(32) }], 'k1'));
      await write('SEALED');
    } finally {
      // Stopped, so JetStream has written its blocks out.
      await nats.stop();
    }
    expect((await streamBytes(storeDir, 'PLAIN')).includes(`${SECRET}-value-3`)).toBe(true);
    const sealed = await streamBytes(storeDir, 'SEALED');
    expect(sealed.length).toBeGreaterThan(0);
    expect(sealed.includes(SECRET)).toBe(false);
  });
});
