import type { Config } from './config.js';
import { boolean, filePath, natsUrl, type Setting, setting } from './setting.js';

/** The NATS connection: change feeds on subjects and, with log.url nats://, the JetStream log. */
export const NATS_SETTINGS: readonly Setting[] = [
  setting(
    'nats.url',
    '',
    'NATS server(s) to publish every change to ("" = off)',
    'nats://HOST:PORT[,...] or empty',
    natsUrl,
  ),
  setting(
    'nats.stream',
    '',
    'JetStream stream to publish into ("" = core NATS subjects)',
    'a stream name or empty',
    (raw) => (typeof raw === 'string' && /^[A-Za-z0-9_-]*$/.test(raw) ? raw : null),
  ),
  setting(
    'nats.subjectPrefix',
    'kvstore.events',
    'subject prefix of published changes',
    'NATS subject tokens, e.g. kvstore.events',
    (raw) => (typeof raw === 'string' && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(raw) ? raw : null),
  ),
  setting(
    'nats.required',
    false,
    '/readyz answers 503 while NATS is disconnected (default: NATS down never makes kvstore unready)',
    'true or false',
    boolean,
  ),
  setting(
    'nats.user',
    '',
    'user name kvstore connects to NATS with (the event publisher and a nats:// log), with nats.passwordFile',
    'a NATS user name or empty',
    (raw) => (typeof raw === 'string' ? raw : null),
  ),
  setting(
    'nats.passwordFile',
    '',
    'file holding the password of nats.user',
    'a file path or empty',
    filePath,
  ),
  setting(
    'nats.tokenFile',
    '',
    'file holding the token kvstore connects to NATS with',
    'a file path or empty',
    filePath,
  ),
  setting(
    'nats.credsFile',
    '',
    'NATS .creds file (user JWT and NKey seed) kvstore connects with',
    'a file path or empty',
    filePath,
  ),
  setting(
    'nats.tlsCa',
    '',
    "CA bundle (PEM file) the NATS servers' certificates must chain to",
    'a file path or empty',
    filePath,
  ),
  setting(
    'nats.tlsCert',
    '',
    'client certificate (PEM file) kvstore presents to NATS (with nats.tlsKey), for a server that verifies clients',
    'a file path or empty',
    filePath,
  ),
  setting('nats.tlsKey', '', 'private key (PEM file) of nats.tlsCert', 'a file path or empty', filePath),
];

/** The nats parts of {@link Config} from parsed values by key. */
export function natsConfig(v: (key: string) => unknown): Pick<Config, 'nats'> {
  return {
    nats: {
      url: v('nats.url') as string,
      stream: v('nats.stream') as string,
      subjectPrefix: v('nats.subjectPrefix') as string,
      required: v('nats.required') as boolean,
      user: v('nats.user') as string,
      passwordFile: v('nats.passwordFile') as string,
      tokenFile: v('nats.tokenFile') as string,
      credsFile: v('nats.credsFile') as string,
      tlsCa: v('nats.tlsCa') as string,
      tlsCert: v('nats.tlsCert') as string,
      tlsKey: v('nats.tlsKey') as string,
    },
  };
}
