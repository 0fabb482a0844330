import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

// kvstore doctor reads the certificate files the server's configuration names: a real TLS server with a
// certificate that expires in 10 days (a warning, exit 0), and configurations naming certificates made here
// with openssl that expired, are not valid yet, or are missing (problems, exit 5). `openssl req -x509 -days`
// cannot date a certificate in the past, so those are signed by `openssl ca` with -startdate/-enddate.
let dir: string;
let server: ServerProcess;
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
const line = (stdout: string, check: string) =>
  stdout.split('\n').find((l) => l.includes(` ${check}: `)) ?? '';
/** openssl ca's date format, YYYYMMDDHHMMSSZ. */
const asn1Time = (ms: number) => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
const DAY = 86_400_000;

/** The server's certificate request signed by the CA, valid from `from` to `to` (ms since the epoch). */
function signed(name: string, from: number, to: number): void {
  openssl(
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.crt',
    '-keyfile',
    'ca.key',
    '-in',
    'server.csr',
    '-extfile',
    'server.ext',
    '-notext',
    '-startdate',
    asn1Time(from),
    '-enddate',
    asn1Time(to),
    '-out',
    name,
  );
}

/** A configuration file naming `cert` as grpc.tlsCert (with the CA as grpc.tlsClientCa when asked). */
async function config(name: string, cert: string, clientCa = false): Promise<string> {
  const lines = ['grpc:', `  tlsCert: ${file(cert)}`, `  tlsKey: ${file('server.key')}`];
  if (clientCa) lines.push(`  tlsClientCa: ${file('ca.crt')}`);
  await writeFile(file(name), `${lines.join('\n')}\n`);
  return file(name);
}

beforeAll(async () => {
  dir = await suiteDir('kvstore-doctor-tls-');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '365',
    '-subj',
    '/CN=doctor-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  openssl('req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  await writeFile(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await writeFile(file('index.txt'), '');
  await writeFile(file('serial'), '01\n');
  await writeFile(
    file('ca.cnf'),
    [
      '[ca]',
      'default_ca = doctor',
      '[doctor]',
      'database = index.txt',
      'new_certs_dir = .',
      'serial = serial',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = copy',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const now = Date.now();
  signed('soon.crt', now - DAY, now + 10 * DAY);
  signed('expired.crt', Date.UTC(2020, 0, 1), Date.UTC(2020, 1, 1));
  signed('future.crt', now + 2 * DAY, now + 100 * DAY);
  server = await startServerProcess(join(dir, 'data'), [
    '--grpc-tls-cert',
    file('soon.crt'),
    '--grpc-tls-key',
    file('server.key'),
  ]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('kvstore doctor: TLS certificate expiry', () => {
  it('warns about the certificate a TLS server serves when it expires within 30 days, exit 0', async () => {
    const tls = ['--addr', server.addr, '--cacert', file('ca.crt')];
    const none = await kvstore(['doctor', ...tls]);
    expect(none.code, none.stdout + none.stderr).toBe(0);
    expect(line(none.stdout, 'server')).toMatch(/^ok /);
    expect(line(none.stdout, 'TLS certificates')).toMatch(/^skipped .*give --config FILE/);

    const cfg = await config('soon.yaml', 'soon.crt', true);
    const soon = await kvstore(['doctor', ...tls, '--config', cfg]);
    expect(soon.code, soon.stdout + soon.stderr).toBe(0);
    expect(line(soon.stdout, 'TLS grpc.tlsCert')).toMatch(
      new RegExp(
        `^WARNING  TLS grpc\\.tlsCert: ${file('soon.crt')} expires on \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ, in (9|10)d \\(under 30d\\)$`,
      ),
    );
    expect(soon.stdout).toContain(
      'fix: renew it and replace the file: the server loads it within security.tlsReloadInterval',
    );
    // The CA bundle is checked too: valid for a year.
    expect(line(soon.stdout, 'TLS grpc.tlsClientCa')).toMatch(/^ok .*ca\.crt expires on .*, in 36[45]d$/);

    const json = await kvstore(['doctor', ...tls, '--config', cfg, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ problems: 0, warnings: 1 });

    // A shorter threshold: the same certificate is fine.
    const relaxed = await kvstore(['doctor', ...tls, '--config', cfg, '--min-cert-validity', '5d']);
    expect(relaxed.code).toBe(0);
    expect(line(relaxed.stdout, 'TLS grpc.tlsCert')).toMatch(/^ok .*soon\.crt expires on .*, in (9|10)d$/);
  });

  it('names an expired, a not yet valid and a missing certificate file with the date, exit 5', async () => {
    const tls = ['--addr', server.addr, '--cacert', file('ca.crt')];
    const expired = await kvstore([
      'doctor',
      ...tls,
      '--config',
      await config('expired.yaml', 'expired.crt'),
    ]);
    expect(expired.code, expired.stdout).toBe(5);
    expect(line(expired.stdout, 'TLS grpc.tlsCert')).toMatch(
      new RegExp(
        `^PROBLEM  TLS grpc\\.tlsCert: ${file('expired.crt')} expired on 2020-02-01T00:00:00Z, \\d+d ago$`,
      ),
    );
    expect(expired.stdout).toContain('fix: TLS clients refuse it: renew it and replace the file');
    expect(expired.stderr).toContain('1 problem found');

    const future = await kvstore(['doctor', ...tls, '--config', await config('future.yaml', 'future.crt')]);
    expect(future.code, future.stdout).toBe(5);
    expect(line(future.stdout, 'TLS grpc.tlsCert')).toMatch(
      new RegExp(
        `^PROBLEM  TLS grpc\\.tlsCert: ${file('future.crt')} is not valid before \\d{4}-\\d\\d-\\d\\dT`,
      ),
    );
    expect(future.stdout).toContain("fix: TLS clients refuse it until then: check this machine's clock");

    // A chain: the certificate that expires first is the one reported.
    await writeFile(
      file('chain.crt'),
      (await readFile(file('ca.crt'), 'utf8')) + (await readFile(file('expired.crt'), 'utf8')),
    );
    const chain = await kvstore(['doctor', ...tls, '--config', await config('chain.yaml', 'chain.crt')]);
    expect(chain.code).toBe(5);
    expect(line(chain.stdout, 'TLS grpc.tlsCert')).toMatch(
      /chain\.crt \(2 certificates, the first to expire: CN=127\.0\.0\.1\) expired on 2020-02-01/,
    );

    const missing = await kvstore(['doctor', ...tls, '--config', await config('missing.yaml', 'gone.crt')]);
    expect(missing.code).toBe(5);
    expect(line(missing.stdout, 'TLS grpc.tlsCert')).toMatch(/^PROBLEM .*gone\.crt: no such file$/);

    const bad = await kvstore(['doctor', ...tls, '--config', file('nowhere.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--config');
    expect((await kvstore(['doctor', ...tls, '--min-cert-validity', 'soon'])).code).toBe(2);
  });
});
