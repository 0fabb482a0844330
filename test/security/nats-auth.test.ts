import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect as natsConnect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/index.js';
import { type NatsAuthSettings, natsConnectAuth } from '../../src/security/nats-credentials.js';
import { type NatsServer, natsServer } from '../helpers/nats-server.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir, tempDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 2 (NATS part): kvstore authenticates to NATS servers that require it, for the event
 * publisher (nats.url) and for a JetStream log (log.url nats://), with nats.user + nats.passwordFile or
 * nats.tokenFile; real nats-servers started here with an authorization block.
 */
const none: NatsAuthSettings = {
  user: '',
  passwordFile: '',
  tokenFile: '',
  credsFile: '',
  tlsCa: '',
  tlsCert: '',
  tlsKey: '',
};

describe('nats.* credentials', () => {
  it('reads secrets from files (one trailing newline dropped) and refuses combinations that make no sense', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'pw'), 's3cret\n');
    await writeFile(join(dir, 'tok'), 'tok-1');
    expect(natsConnectAuth(none)).toEqual({});
    expect(natsConnectAuth({ ...none, user: 'kv', passwordFile: join(dir, 'pw') })).toEqual({
      user: 'kv',
      pass: 's3cret',
    });
    expect(natsConnectAuth({ ...none, tokenFile: join(dir, 'tok') })).toEqual({ token: 'tok-1' });
    expect(() => natsConnectAuth({ ...none, user: 'kv', tokenFile: join(dir, 'tok') })).toThrow(
      'nats.user and nats.tokenFile: set one way to authenticate to NATS, not several',
    );
    expect(() => natsConnectAuth({ ...none, passwordFile: join(dir, 'pw') })).toThrow(
      'nats.passwordFile needs nats.user',
    );
    expect(() => natsConnectAuth({ ...none, tlsCert: join(dir, 'pw') })).toThrow(
      /nats.tlsCert and nats.tlsKey go together/,
    );
    expect(() => natsConnectAuth({ ...none, tokenFile: join(dir, 'missing') })).toThrow(
      /nats.tokenFile .*missing cannot be read \(ENOENT\)/,
    );
    expect(() => natsConnectAuth({ ...none, credsFile: join(dir, 'tok') })).toThrow(/not a NATS .creds file/);
  });
});

describe('the event publisher against a token-protected nats-server', () => {
  let dir: string;
  let nats: NatsServer;
  let server: ServerProcess;
  beforeAll(async () => {
    dir = await suiteDir('kvstore-nats-auth-');
    nats = await natsServer(join(dir, 'js'), 'authorization { token: "t0ken-for-kvstore" }');
    await nats.start();
    await writeFile(join(dir, 'token'), 't0ken-for-kvstore\n');
    server = await startServerProcess(join(dir, 'data'), [
      '--nats-url',
      nats.url,
      '--nats-token-file',
      join(dir, 'token'),
      '--nats-required',
      'true',
    ]);
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    await nats?.stop();
  });

  it('connects with the token and publishes every change', async () => {
    await expect(natsConnect({ servers: nats.url, timeout: 2000 })).rejects.toThrow(/Authorization/i);
    const sub = await natsConnect({ servers: nats.url, token: 't0ken-for-kvstore' });
    try {
      const events = sub.subscribe('kvstore.events.>', { max: 1 });
      await sub.flush();
      // Ready (nats.required): the publisher is connected, with the token.
      const deadline = Date.now() + 10_000;
      while ((await fetch(`http://127.0.0.1:${server.httpPort}/readyz`)).status !== 200) {
        if (Date.now() > deadline) throw new Error('kvstore did not become ready (NATS not connected?)');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const client = connect({ endpoints: [server.addr] });
      try {
        await client.set('greeting', 'hello');
      } finally {
        client.close();
      }
      for await (const msg of events) {
        expect(msg.subject).toContain('greeting');
        break;
      }
    } finally {
      await sub.close();
    }
  }, 30_000);
});

describe('a JetStream log on a nats-server that requires a user and password', () => {
  let dir: string;
  let nats: NatsServer;
  beforeAll(async () => {
    dir = await suiteDir('kvstore-nats-log-auth-');
    nats = await natsServer(join(dir, 'js'), 'authorization { user: kvstore, password: "pa55-w0rd" }');
    await nats.start();
    await writeFile(join(dir, 'password'), 'pa55-w0rd\n');
    await writeFile(join(dir, 'wrong'), 'not-it\n');
  }, 30_000);
  afterAll(async () => {
    await nats?.stop();
  });

  it('serves with the right password; a wrong one stops the start saying NATS refused it', async () => {
    const logUrl = `${nats.url}/KVLOG`;
    const server = await startServerProcess(join(dir, 'data'), [
      '--log-url',
      logUrl,
      '--nats-user',
      'kvstore',
      '--nats-password-file',
      join(dir, 'password'),
    ]);
    try {
      const client = connect({ endpoints: [server.addr] });
      try {
        await client.set('k', 'in-jetstream');
        expect((await client.get('k'))?.value.toString()).toBe('in-jetstream');
      } finally {
        client.close();
      }
    } finally {
      await server.stop();
    }
    await expect(
      startServerProcess(join(dir, 'data2'), [
        '--log-url',
        logUrl,
        '--nats-user',
        'kvstore',
        '--nats-password-file',
        join(dir, 'wrong'),
      ]),
    ).rejects.toThrow(/cannot reach the NATS servers of the log \(.*[Aa]uthorization/);
  }, 60_000);
});
