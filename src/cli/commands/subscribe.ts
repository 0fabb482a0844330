import { connect } from 'nats';
import { patternSubject, subjectKey } from '../../streams/nats/subjects.js';
import type { Command } from '../command.js';
import { stringFlag } from '../command.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { displayValue, jsonValue } from '../output.js';

export const subscribeCommand: Command = {
  name: 'subscribe',
  summary: 'print changes published to NATS for a key pattern (no kvstore connection needed)',
  options: { nats: { type: 'string' }, 'subject-prefix': { type: 'string' } },
  help: `NAME
    kvstore subscribe - follow changes over NATS

SYNOPSIS
    kvstore subscribe PATTERN [--nats URL] [--subject-prefix P] [--json]

DESCRIPTION
    Subscribes to the NATS subjects that kvstore publishes every committed change to (see docs/nats.md)
    and prints one line per change: REVISION<TAB>PUT|DELETE|EXPIRE<TAB>KEY<TAB>VALUE. It talks to NATS
    only; any NATS client in any language can do the same with the documented subjects and headers.

    PATTERN is a key pattern: "/" separates segments, "*" matches one segment, a final "**" (or ">")
    matches the rest. "app/**" follows every key under app/, "app/*/config" one level below app/.
    Delivery is core NATS (live only); for history, read the JetStream stream or use kvstore watch.

OPTIONS
    --nats URL             NATS server(s) (env KVSTORE_NATS_URL; default nats://127.0.0.1:4222)
    --subject-prefix P     the server's nats.subjectPrefix (env KVSTORE_NATS_SUBJECT_PREFIX;
                           default kvstore.events)
    --json                 one JSON object per change, with every header

EXIT STATUS
    0 interrupted, 2 usage error, 3 NATS unreachable.

EXAMPLES
    kvstore subscribe 'app/**'
    nats sub 'kvstore.events.app.>'      # the same with the NATS CLI`,

  async run(ctx) {
    if (ctx.positionals.length !== 1) throw usage('subscribe takes one PATTERN (e.g. "app/**")', 'subscribe');
    const servers = stringFlag(ctx, 'nats') ?? process.env.KVSTORE_NATS_URL ?? 'nats://127.0.0.1:4222';
    const prefix =
      stringFlag(ctx, 'subject-prefix') ?? process.env.KVSTORE_NATS_SUBJECT_PREFIX ?? 'kvstore.events';
    const subject = patternSubject(prefix, ctx.positionals[0]!);
    let nc: Awaited<ReturnType<typeof connect>>;
    try {
      nc = await connect({
        servers: servers.split(','),
        name: 'kvstore subscribe',
        timeout: ctx.global.timeoutMs,
      });
    } catch (err) {
      throw new CliExit(EXIT.UNAVAILABLE, `cannot reach NATS at ${servers} (${(err as Error).message})`);
    }
    const sub = nc.subscribe(subject);
    // Once the server has the subscription, say so (on stderr, so stdout stays one line per change).
    await nc.flush();
    process.stderr.write(`kvstore: following ${subject} on ${servers} (Ctrl-C ends)\n`);
    const stop = () => {
      void nc.drain();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    for await (const m of sub) {
      const h = m.headers;
      const op = h?.get('Kvstore-Operation') ?? '?';
      const key = h?.get('Kvstore-Key')
        ? decodeURIComponent(h.get('Kvstore-Key'))
        : (subjectKey(prefix, m.subject) ?? '');
      const revision = h?.get('Kvstore-Revision') ?? '';
      const value = Buffer.from(m.data);
      if (ctx.global.json) {
        const fields: Record<string, string> = {};
        for (const [name, values] of h ?? []) fields[name] = values.join(',');
        process.stdout.write(
          `${JSON.stringify({ revision: Number(revision), type: op, key, ...(op === 'PUT' ? jsonValue(value) : {}), subject: m.subject, headers: fields })}\n`,
        );
      } else {
        process.stdout.write(`${revision}\t${op}\t${key}\t${op === 'PUT' ? displayValue(value) : ''}\n`);
      }
    }
    return EXIT.OK;
  },
};
