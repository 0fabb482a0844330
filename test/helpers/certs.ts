import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs openssl in `dir` (certificates for tests: P-256 keys, valid one day). */
function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA: NAME.crt and NAME.key in `dir`. */
export function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
}

/**
 * A certificate NAME.crt / NAME.key with subject CN `cn`, signed by the CA `caName` in `dir`; `ext` is an
 * openssl extension line (subjectAltName=... for a server, extendedKeyUsage=clientAuth for a client).
 */
export function makeLeaf(dir: string, name: string, caName: string, ext: string, cn = name): void {
  openssl(
    dir,
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${caName}.crt`,
    '-CAkey',
    `${caName}.key`,
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}

/** For a server on 127.0.0.1 / localhost. */
export const SERVER_EXT = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
/** For a client certificate (mTLS). */
export const CLIENT_EXT = 'extendedKeyUsage=clientAuth';
