import { readFileSync } from 'node:fs';
import { type ConnectionOptions, credsAuthenticator } from 'nats';

/** The nats.* settings that say how kvstore proves itself to NATS ('' = not set). */
export interface NatsAuthSettings {
  readonly user: string;
  readonly passwordFile: string;
  readonly tokenFile: string;
  readonly credsFile: string;
  readonly tlsCa: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
}

/** What kvstore's NATS connections (the event publisher and a JetStream log) add to nats.js's connect(). */
export type NatsConnectAuth = Pick<ConnectionOptions, 'user' | 'pass' | 'token' | 'authenticator' | 'tls'>;

function secret(setting: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${setting} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  // One trailing newline is what an editor or `echo` leaves; it is not part of the secret.
  return text.replace(/\r?\n$/, '');
}

/**
 * The connect options of the nats.* credentials: user and password (from a file), a token (from a file),
 * or a .creds file (JWT + NKey seed, NATS's decentralized auth), at most one of them; and TLS (a CA to
 * trust, a client certificate and key for mTLS). Files are read now, so a missing one stops the start
 * naming its setting. Empty when nothing is set.
 */
export function natsConnectAuth(s: NatsAuthSettings): NatsConnectAuth {
  const kinds = [
    s.user !== '' && 'nats.user',
    s.tokenFile !== '' && 'nats.tokenFile',
    s.credsFile !== '' && 'nats.credsFile',
  ].filter((k): k is string => typeof k === 'string');
  if (kinds.length > 1)
    throw new Error(`${kinds.join(' and ')}: set one way to authenticate to NATS, not several`);
  if (s.passwordFile !== '' && s.user === '') throw new Error('nats.passwordFile needs nats.user');
  if ((s.tlsCert === '') !== (s.tlsKey === ''))
    throw new Error('nats.tlsCert and nats.tlsKey go together: set both (a client certificate) or neither');
  const options: NatsConnectAuth = {};
  if (s.user !== '') {
    options.user = s.user;
    if (s.passwordFile !== '') options.pass = secret('nats.passwordFile', s.passwordFile);
  }
  if (s.tokenFile !== '') options.token = secret('nats.tokenFile', s.tokenFile);
  if (s.credsFile !== '') {
    const creds = secret('nats.credsFile', s.credsFile);
    if (!creds.includes('-----BEGIN NATS USER JWT-----'))
      throw new Error(`nats.credsFile ${s.credsFile}: not a NATS .creds file (no user JWT in it)`);
    options.authenticator = credsAuthenticator(new TextEncoder().encode(creds));
  }
  if (s.tlsCa !== '' || s.tlsCert !== '') {
    const pem = (setting: string, path: string) => secret(setting, path);
    options.tls = {
      ...(s.tlsCa !== '' ? { ca: pem('nats.tlsCa', s.tlsCa) } : {}),
      ...(s.tlsCert !== ''
        ? { cert: pem('nats.tlsCert', s.tlsCert), key: pem('nats.tlsKey', s.tlsKey) }
        : {}),
    };
  }
  return options;
}
