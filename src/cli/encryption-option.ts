import { EncryptionKeyError, type KeyRing, useKeyRing } from '../log/encryption.js';
import { ENCRYPTION_KEY_ENV, loadKeyRing } from '../security/encryption-keys.js';
import type { CommandContext } from './command.js';
import { stringFlag } from './command.js';
import { CliExit, EXIT } from './exit-codes.js';

/**
 * The key ring of offline commands that read or write a data directory or a backup (restore, check,
 * export, reencrypt): `--encryption-key-file`, else the server's variables (KVSTORE_SECURITY_ENCRYPTION_KEY_FILE,
 * KVSTORE_ENCRYPTION_KEY). Encryption at rest: docs/security.md.
 */

/** The flag, for a command's `options`. */
export const ENCRYPTION_KEY_OPTION = { 'encryption-key-file': { type: 'string' } } as const;

/** The flag's line for a command's --help. */
export const ENCRYPTION_KEY_HELP = `    --encryption-key-file FILE
                         data keys of encryption at rest (as security.encryptionKeyFile; default
                         env KVSTORE_SECURITY_ENCRYPTION_KEY_FILE, or KVSTORE_ENCRYPTION_KEY=id:base64)`;

/** Reads the key ring the command was given and makes it the process's; null when none was given. */
export function useCommandKeyRing(ctx: CommandContext): KeyRing | null {
  const file =
    stringFlag(ctx, 'encryption-key-file') ?? process.env.KVSTORE_SECURITY_ENCRYPTION_KEY_FILE ?? '';
  try {
    const ring = loadKeyRing(file, process.env[ENCRYPTION_KEY_ENV]);
    useKeyRing(ring);
    return ring;
  } catch (err) {
    if (err instanceof EncryptionKeyError) throw new CliExit(EXIT.USAGE, err.message);
    throw err;
  }
}
