import { apiKeyLine, createApiKey } from '../../security/api-keys.js';
import type { Command } from '../command.js';
import { EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';

export const authCommand: Command = {
  name: 'auth',
  summary: 'create an API key (printed once) and the line that makes the server accept it',
  options: { role: { type: 'string', multiple: true } },
  help: `NAME
    kvstore auth - manage credentials

SYNOPSIS
    kvstore auth key create NAME [--role ROLE]... [--json]

DESCRIPTION
    key create makes a new random API key (256 bits) and prints it once, with the line to add to the
    server's keys file (security.apiKeysFile). The server keeps only the key's SHA-256, so a lost key
    cannot be printed again: create a new one and remove the old line (revocation takes a restart).
    Nothing is sent to a server. See docs/security.md.

OPTIONS
    --role ROLE   a role the key holds (repeatable; default admin). Built in: admin, readwrite,
                  readonly; others come from the server's security.rolesFile (docs/security.md).
    --json        print {name, key, hash, roles, line} as one JSON object

EXAMPLES
    kvstore auth key create ci
    KVSTORE_API_KEY=kvs_... kvstore get greeting`,

  async run(ctx) {
    const [group, action, name, ...extra] = ctx.positionals;
    if (group !== 'key' || action !== 'create' || name === undefined || extra.length > 0)
      throw usage('expected: kvstore auth key create NAME', 'auth');
    const roleFlag = ctx.values.role;
    const roles = Array.isArray(roleFlag) ? roleFlag.map(String) : ['admin'];
    let created: ReturnType<typeof createApiKey>;
    try {
      created = createApiKey(name, roles);
    } catch (err) {
      throw usage((err as Error).message, 'auth');
    }
    const line = apiKeyLine(created.entry);
    if (ctx.global.json) {
      printJson({ name, key: created.key, hash: created.entry.hash, roles, line });
      return EXIT.OK;
    }
    process.stdout.write(
      `API key for ${name} (shown once; the server keeps only its hash):\n\n    ${created.key}\n\n` +
        `Add this line to the server's keys file (security.apiKeysFile) and restart it:\n\n${line}\n\n` +
        `Clients send it as "authorization: Bearer <key>": kvstore --api-key, or KVSTORE_API_KEY.\n`,
    );
    return EXIT.OK;
  },
};
