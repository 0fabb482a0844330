import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { experimental } from '@grpc/grpc-js';

type IdentityCertificateUpdateListener = experimental.IdentityCertificateUpdateListener;
type CaCertificateUpdateListener = experimental.CaCertificateUpdateListener;

/** The TLS files of one listener group ('' = not set): certificate chain, its key, the client CA (mTLS). */
export interface TlsFiles {
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly tlsClientCa: string;
}

/** The files' contents, checked to work together (the key matches the certificate). */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer | null;
}

/** What a reload did, for the log: `reloaded` with the new certificate's subject and end date, or `kept`. */
export type TlsReloadEvent =
  | { readonly kind: 'reloaded'; readonly subject: string; readonly validTo: string }
  | { readonly kind: 'kept'; readonly reason: string };

/** The options node:tls takes for `material`. */
export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return { cert: material.cert, key: material.key, ...(material.ca ? { ca: material.ca } : {}) };
}

/**
 * A listener group's certificate, key and client CA, read and checked at start (a missing or mismatched
 * file stops the start naming the setting) and then re-read every `intervalMs` while anything listens:
 * when the files change and still work together, every subscriber gets the new material (new
 * connections use it; open ones keep theirs). Files caught half-rewritten (a new certificate beside the
 * old key) are not used: the previous material stays until the next look finds a working set.
 * Also a grpc-js CertificateProvider, so that gRPC's own TLS follows the same files.
 */
export class TlsFileWatch implements experimental.CertificateProvider {
  private material: TlsMaterial;
  private readonly subscribers = new Set<(m: TlsMaterial) => void>();
  private readonly identityListeners = new Map<IdentityCertificateUpdateListener, () => void>();
  private readonly caListeners = new Map<CaCertificateUpdateListener, () => void>();
  private timer: NodeJS.Timeout | null = null;
  private lastRefused = '';

  constructor(
    private readonly files: TlsFiles,
    /** The settings' prefix (`grpc`, `http`), for messages. */
    private readonly prefix: string,
    private readonly intervalMs: number,
    private readonly onEvent: (event: TlsReloadEvent) => void = () => {},
  ) {
    const read = (setting: string, path: string) => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new Error(
          `${prefix}.${setting} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
        );
      }
    };
    const material = {
      cert: read('tlsCert', files.tlsCert),
      key: read('tlsKey', files.tlsKey),
      ca: files.tlsClientCa === '' ? null : read('tlsClientCa', files.tlsClientCa),
    };
    const problem = check(material);
    if (problem !== null) throw new Error(`${prefix}.tlsCert / ${prefix}.tlsKey: ${problem}`);
    this.material = material;
  }

  /** The material in use now. */
  get current(): TlsMaterial {
    return this.material;
  }

  /** Calls `fn` with each new material; returns the unsubscribe. Files are watched while anyone is subscribed. */
  subscribe(fn: (m: TlsMaterial) => void): () => void {
    this.subscribers.add(fn);
    if (this.timer === null && this.intervalMs > 0) {
      this.timer = setInterval(() => this.look(), this.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  // grpc-js CertificateProvider. The first update is sent after the server has registered its own
  // watcher (grpc-js reads the options before subscribing), hence queueMicrotask.
  addIdentityCertificateListener(listener: IdentityCertificateUpdateListener): void {
    const send = (m: TlsMaterial) => listener({ certificate: m.cert, privateKey: m.key });
    this.identityListeners.set(listener, this.subscribe(send));
    queueMicrotask(() => send(this.material));
  }

  removeIdentityCertificateListener(listener: IdentityCertificateUpdateListener): void {
    this.identityListeners.get(listener)?.();
    this.identityListeners.delete(listener);
  }

  addCaCertificateListener(listener: CaCertificateUpdateListener): void {
    const send = (m: TlsMaterial) => listener(m.ca === null ? null : { caCertificate: m.ca });
    this.caListeners.set(listener, this.subscribe(send));
    queueMicrotask(() => send(this.material));
  }

  removeCaCertificateListener(listener: CaCertificateUpdateListener): void {
    this.caListeners.get(listener)?.();
    this.caListeners.delete(listener);
  }

  /** Re-reads the files now; true when new material was taken. */
  look(): boolean {
    let next: TlsMaterial;
    try {
      next = {
        cert: readFileSync(this.files.tlsCert),
        key: readFileSync(this.files.tlsKey),
        ca: this.files.tlsClientCa === '' ? null : readFileSync(this.files.tlsClientCa),
      };
    } catch (err) {
      this.refuse(`a file cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
      return false;
    }
    const old = this.material;
    if (next.cert.equals(old.cert) && next.key.equals(old.key) && sameCa(next.ca, old.ca)) return false;
    const problem = check(next);
    if (problem !== null) {
      this.refuse(problem);
      return false;
    }
    this.material = next;
    this.lastRefused = '';
    const leaf = new X509Certificate(next.cert);
    this.onEvent({ kind: 'reloaded', subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo });
    for (const fn of this.subscribers) fn(next);
    return true;
  }

  private refuse(reason: string): void {
    const message = `${this.prefix}.tlsCert / ${this.prefix}.tlsKey changed but cannot be used yet (${reason}); the previous certificate stays`;
    if (message === this.lastRefused) return; // once per distinct problem, not every look
    this.lastRefused = message;
    this.onEvent({ kind: 'kept', reason: message });
  }
}

function sameCa(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/** Null when the material makes a working TLS context (the key matches the certificate), else why not. */
function check(material: TlsMaterial): string | null {
  try {
    createSecureContext(secureContextOptions(material));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
