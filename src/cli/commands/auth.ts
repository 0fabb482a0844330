import { apiKeyLine, createApiKey } from '../../security/api-keys.js';
import { addApiKey, revokeApiKey } from '../../security/api-keys-file-edit.js';
import type { Command } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';

export const authCommand: Command = {
  name: 'auth',
  summary: 'create an API key (printed once) and the line that makes the server accept it; revoke one',
  options: { role: { type: 'string', multiple: true }, 'keys-file': { type: 'string' } },
  help: `NAME
    kvstore auth - manage credentials

SYNOPSIS
    kvstore auth key create NAME [--role ROLE]... [--keys-file FILE] [--json]
    kvstore auth key revoke NAME --keys-file FILE

DESCRIPTION
    key create makes a new random API key (256 bits) and prints it once, with the line to add to the
    server's keys file (security.apiKeysFile). The server keeps only the key's SHA-256, so a lost key
    cannot be printed again: create a new one and remove the old line (the server reads the file again
    within security.reloadInterval: the removed key is refused from then on, without a restart).
    Nothing is sent to a server. See docs/security.md.

    key revoke removes the line of the key NAME from the keys file FILE (the server's
    security.apiKeysFile, on the server's machine), leaving every other line as it is; the file is
    replaced whole (written aside, then renamed). The server refuses the key within
    security.reloadInterval (10s), without a restart.

OPTIONS
    --keys-file FILE  the server's keys file: create appends the new key's line to it (created when
                      missing), revoke removes the key's line
    --role ROLE   a role the key holds (repeatable; default admin). Built in: admin, readwrite,
                  readonly; others come from the server's security.rolesFile (docs/security.md).
    --json        print {name, key, hash, roles, line} as one JSON object

EXAMPLES
    kvstore auth key create ci
    kvstore auth key create deploy-bot --role app-writer --keys-file /etc/kvstore/keys.yaml
    kvstore auth key revoke ci --keys-file /etc/kvstore/keys.yaml
    KVSTORE_API_KEY=kvs_... kvstore get greeting`,

  async run(ctx) {
    const [group, action, name, ...extra] = ctx.positionals;
    if (group === 'key' && action === 'revoke' && name !== undefined && extra.length === 0) {
      const file = ctx.values['keys-file'];
      if (typeof file !== 'string' || file === '')
        throw usage('expected: kvstore auth key revoke NAME --keys-file FILE', 'auth');
      let left: number;
      try {
        left = await revokeApiKey(file, name);
      } catch (err) {
        process.stderr.write(`kvstore: ${(err as Error).message}\n`);
        return EXIT.USAGE;
      }
      process.stdout.write(
        `removed the key "${name}" from ${file} (${left} left); the server refuses it within security.reloadInterval\n`,
      );
      return EXIT.OK;
    }
    if (group !== 'key' || action !== 'create' || name === undefined || extra.length > 0)
      throw usage(
        'expected: kvstore auth key create NAME, or kvstore auth key revoke NAME --keys-file FILE',
        'auth',
      );
    const roleFlag = ctx.values.role;
    const roles = Array.isArray(roleFlag) ? roleFlag.map(String) : ['admin'];
    let created: ReturnType<typeof createApiKey>;
    try {
      created = createApiKey(name, roles);
    } catch (err) {
      throw usage((err as Error).message, 'auth');
    }
    const line = apiKeyLine(created.entry);
    const file = ctx.values['keys-file'];
    if (typeof file === 'string' && file !== '') {
      try {
        await addApiKey(file, created.entry);
      } catch (err) {
        process.stderr.write(`kvstore: ${(err as Error).message}\n`);
        return EXIT.USAGE;
      }
    }
    const added = typeof file === 'string' && file !== '';
    if (ctx.global.json) {
      printJson({ name, key: created.key, hash: created.entry.hash, roles, line });
      return EXIT.OK;
    }
    process.stdout.write(
      `API key for ${name} (shown once; the server keeps only its hash):\n\n    ${created.key}\n\n` +
        (added
          ? `Added to ${file}; the server takes it within security.reloadInterval (10s), no restart.\n\n`
          : `Add this line to the server's keys file (security.apiKeysFile); the server takes it within\n` +
            `security.reloadInterval (10s), no restart:\n\n${line}\n\n`) +
        `Clients send it as "authorization: Bearer <key>": kvstore --api-key, or KVSTORE_API_KEY.\n`,
    );
    return EXIT.OK;
  },
};
