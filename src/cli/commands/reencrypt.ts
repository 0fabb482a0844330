import { isKeyProblem } from '../../log/encryption.js';
import { DataDirLockedError, DataDirStateError } from '../../store/errors.js';
import { reencryptDataDir } from '../../store/reencrypt.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { ENCRYPTION_KEY_HELP, ENCRYPTION_KEY_OPTION, useCommandKeyRing } from '../encryption-option.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';
import { startProgress } from '../progress.js';

export const reencryptCommand: Command = {
  name: 'reencrypt',
  summary: "rewrite a stopped node's log and checkpoints under the current encryption key (key rotation)",
  options: { 'data-dir': { type: 'string' }, ...ENCRYPTION_KEY_OPTION },
  help: `NAME
    kvstore reencrypt - seal every record and checkpoint under the current encryption key

SYNOPSIS
    kvstore reencrypt --data-dir DIR [--encryption-key-file FILE] [--json]

DESCRIPTION
    Offline: the server must be stopped (the command holds DIR's lock meanwhile). Every record of
    DIR/log.sqlite sealed under another key than the key ring's current one, or written before
    encryption at rest was turned on, is opened, checked, and sealed again under the current key; every
    checkpoint is rewritten the same way; then the log is vacuumed so that no free page keeps the old
    bytes. The key ring must hold the current key and every older key still in use. Afterwards the
    older keys can be removed from the key file. Each page of records commits on its own: an interrupted
    run loses nothing, and running it again finishes the job.

    Rotation without downtime does not need this command: add the new key to the key file as current and
    restart; old records stay readable under their key. Run reencrypt (with the server stopped) only to
    retire an old key. Backups taken before keep their keys: keep those keys as long as the backups.

    Only a SQLite log can be rewritten in place; a PostgreSQL or JetStream log keeps its records
    under the key they were written with (docs/security.md).

OPTIONS
    --data-dir DIR       the data directory
${ENCRYPTION_KEY_HELP}
    --json               print the result as one JSON object

EXIT STATUS
    0 done, 2 usage error, no or unusable key, or DIR holds no log.sqlite; 3 DIR in use by a server, or
    another error.

EXAMPLES
    kvstore reencrypt --data-dir /var/lib/kvstore --encryption-key-file /etc/kvstore/data-keys.yaml`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('reencrypt takes no positional arguments', 'reencrypt');
    const dataDir = stringFlag(ctx, 'data-dir');
    if (dataDir === undefined) throw usage('--data-dir DIR is required', 'reencrypt');
    if (useCommandKeyRing(ctx) === null) {
      throw usage(
        'no encryption key: give --encryption-key-file FILE (or set KVSTORE_ENCRYPTION_KEY) with the new current key and the old ones',
        'reencrypt',
      );
    }
    const progress = startProgress('reencrypt', 'records');
    let result: Awaited<ReturnType<typeof reencryptDataDir>>;
    try {
      result = await reencryptDataDir(dataDir, (done, total) => progress.update(done, total));
    } catch (err) {
      if (err instanceof DataDirLockedError) {
        throw new CliExit(
          EXIT.UNAVAILABLE,
          `${err.message}; stop the server first (kvstore reencrypt is offline)`,
        );
      }
      if (isKeyProblem(err) || err instanceof DataDirStateError) throw new CliExit(EXIT.USAGE, err.message);
      throw err;
    }
    progress.finish();
    if (ctx.global.json) printJson(result);
    else {
      process.stdout.write(
        `${result.records} records checked, ${result.rewritten} rewritten, ${result.checkpoints} checkpoints ` +
          `rewritten: everything in ${dataDir} is sealed under key "${result.currentKey}"; older keys can be ` +
          'removed once no backup you keep needs them\n',
      );
    }
    return EXIT.OK;
  },
};
