import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { activeKeyRing, type KeyRing, useKeyRing } from '../log/encryption.js';
import { loadKeyRing } from '../security/encryption-keys.js';
import { FileSetWatch } from '../security/file-set-watch.js';

/**
 * Rotation without a restart (docs/security.md, "Rotation"): the key file (security.encryptionKeyFile) is
 * looked at every security.reloadInterval, and an edit that adds keys or changes which one is current is
 * taken at once: new records are sealed under the new current key, old ones stay readable. An edit that
 * removes a key, or changes the bytes under an id, is refused (logged, the key ring in use stays): records
 * and checkpoints may still be sealed with that key, and only a start-up checks that they are not.
 * Opened before the store reads the file, so an edit made during the start is seen at the first look.
 * Null when there is no key file (KVSTORE_ENCRYPTION_KEY cannot change while the process runs).
 */
export async function openKeyRingWatch(config: Config, logger: Logger): Promise<FileSetWatch | null> {
  const file = config.security.encryptionKeyFile;
  if (file === '') return null;
  const warned = new Set<string>();
  const warn = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    logger.warn(`${message}; the key ring in use stays until the file is fixed`);
  };
  return FileSetWatch.open([file], async () => {
    let next: KeyRing | null;
    try {
      next = loadKeyRing(file, undefined);
    } catch (err) {
      warn(`encryption key file not reloaded: ${(err as Error).message}`);
      return new Set();
    }
    const problem = refusal(activeKeyRing(), next);
    if (problem !== null) {
      warn(`encryption key file ${file} not reloaded: ${problem}`);
      return new Set();
    }
    useKeyRing(next);
    logger.info({ keys: next?.ids(), current: next?.currentId }, 'encryption keys reloaded');
    return new Set([file]);
  });
}

/** Why `next` may not replace `current` while running, or null when it may. */
function refusal(current: KeyRing | null, next: KeyRing | null): string | null {
  if (current === null) return null;
  if (next === null) return 'it holds no key (turning encryption off needs a restart)';
  for (const id of current.ids()) {
    const key = next.get(id);
    if (key === undefined) {
      return `key "${id}" was removed (data may still be sealed with it: remove a key with the server stopped, after kvstore reencrypt)`;
    }
    if (!key.equals(current.get(id)!))
      return `the bytes of key "${id}" changed (a key id names one key for good)`;
  }
  return null;
}
