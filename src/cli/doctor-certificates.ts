import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { SETTINGS } from '../config/settings.js';

/**
 * TLS certificate expiry for `kvstore doctor`: which certificate files the server's configuration names,
 * and their validity read with node:crypto. The judgement (ok, warning, problem) is in doctor-rules.ts.
 */

/** One certificate file named by a setting, with the validity of the certificate that ends first in it. */
export type CertificateFacts =
  | {
      readonly setting: string;
      readonly path: string;
      /** Certificates in the file (a chain or a CA bundle holds several). */
      readonly count: number;
      /** Subject of the certificate that expires first. */
      readonly subject: string;
      /** Latest notBefore of them (ms since the epoch): the file is not usable before it. */
      readonly validFrom: number;
      /** Earliest notAfter of them (ms since the epoch): the file stops working then. */
      readonly validTo: number;
    }
  | { readonly setting: string; readonly path: string; readonly error: string };

// Every setting that names a PEM certificate file: TLS certificates of listeners (grpc.tlsCert, and any
// later listener's *.tlsCert) and CA bundles (*.tlsClientCa); a setting added with such a name is checked
// without a change here.
const CERTIFICATE_SETTING = /\.tls(Cert|ClientCa|Ca)$/;

/** The certificate files the configuration names (empty settings left out), each read and parsed. */
export async function certificateFacts(config: Config): Promise<CertificateFacts[]> {
  const out: CertificateFacts[] = [];
  for (const s of SETTINGS) {
    if (!CERTIFICATE_SETTING.test(s.key)) continue;
    const path = settingValue(config, s.key);
    if (typeof path !== 'string' || path === '') continue;
    out.push(await readCertificates(s.key, resolve(path)));
  }
  return out;
}

/** The value of a dotted setting key in the typed configuration (grpc.tlsCert -> config.grpc.tlsCert). */
function settingValue(config: Config, key: string): unknown {
  let v: unknown = config;
  for (const part of key.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

async function readCertificates(setting: string, path: string): Promise<CertificateFacts> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { setting, path, error: e.code === 'ENOENT' ? 'no such file' : e.message };
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return { setting, path, error: 'no PEM certificate in it' };
  let first: X509Certificate | null = null;
  let validFrom = Number.NEGATIVE_INFINITY;
  for (const block of blocks) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (err) {
      return { setting, path, error: `a certificate in it does not parse: ${(err as Error).message}` };
    }
    validFrom = Math.max(validFrom, Date.parse(cert.validFrom));
    if (first === null || Date.parse(cert.validTo) < Date.parse(first.validTo)) first = cert;
  }
  return {
    setting,
    path,
    count: blocks.length,
    subject: first!.subject.replaceAll('\n', ', '),
    validFrom,
    validTo: Date.parse(first!.validTo),
  };
}
