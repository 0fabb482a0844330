import { isIP } from 'node:net';
import { createRemoteJWKSet, type JSONWebKeySet, type JWTHeaderParameters, type RemoteJWKSet } from 'jose';
import { Unauthenticated } from './principal.js';

/**
 * Why `url` cannot be the issuer's JWKS URL, or null when it can: https, or plain http only to a loopback
 * host (a JWKS fetched over the network in clear could be swapped for an attacker's keys on the way).
 */
export function jwksUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol !== 'http:') return `"${url}": use https://`;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
  return loopback
    ? null
    : `"${url}": http:// is allowed only to a loopback host (127.0.0.1, ::1, localhost); use https://`;
}

/** How the remote set is fetched. */
export interface RemoteJwksOptions {
  /** Fetched again this often (and the verified-token cache dropped when the keys changed). */
  readonly refreshMs: number;
  /** A token whose kid the set lacks fetches it again at most this often. */
  readonly cooldownMs: number;
  /** Hears of each fetch that changed the keys, and of each failed fetch (for the log). */
  readonly onEvent?: (event: RemoteJwksEvent) => void;
}

/** What a fetch of the remote set did. */
export type RemoteJwksEvent =
  | { readonly kind: 'fetched'; readonly keys: number; readonly changed: boolean }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * The issuer's JWKS from security.jwtJwksUrl, through jose's createRemoteJWKSet (its cache, its cooldown
 * for unknown kids, its timeout), fetched again every `refreshMs` so that a removed key stops verifying:
 * `onChange` then tells the JWT verifier to drop the tokens it verified (they are checked again).
 */
export class RemoteJwks {
  private readonly set: RemoteJWKSet;
  private timer: NodeJS.Timeout | null = null;
  private last = '';
  private lastFailure = '';
  private failedAt = Number.NEGATIVE_INFINITY;
  private readonly changeListeners = new Set<() => void>();

  constructor(
    readonly url: string,
    private readonly options: RemoteJwksOptions,
  ) {
    const problem = jwksUrlProblem(url);
    if (problem !== null) throw new Error(`security.jwtJwksUrl ${problem}`);
    this.set = createRemoteJWKSet(new URL(url), {
      cooldownDuration: options.cooldownMs,
      // Refreshed by our own timer: an issuer down at refresh time leaves the last keys in use (jose's
      // own expiry would refuse every new token until the issuer answers again).
      cacheMaxAge: Number.POSITIVE_INFINITY,
      timeoutDuration: 5_000,
    });
  }

  /** Calls `fn` whenever a fetch finds keys other than the last ones. */
  onChange(fn: () => void): void {
    this.changeListeners.add(fn);
  }

  /**
   * Fetches the set now; resolves true when it was fetched, false when it could not be (the reason goes to
   * onEvent; tokens are refused, saying so, until a later fetch succeeds).
   */
  async refresh(): Promise<boolean> {
    try {
      await this.set.reload();
    } catch (err) {
      this.failed(err);
      return false;
    }
    this.noteKeys();
    return true;
  }

  /** Fetches every `refreshMs` until {@link stop}. */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The key for a token's header (jose's resolver); a failed fetch is an {@link Unauthenticated} saying so. */
  readonly keyFor = async (header: JWTHeaderParameters) => {
    // No keys yet and the last fetch failed just now: refuse without asking the issuer again, so a stream
    // of tokens during an outage costs it one fetch per cooldown.
    if (this.set.jwks() === undefined && performance.now() - this.failedAt < this.options.cooldownMs)
      throw unavailable();
    try {
      const key = await this.set(header);
      this.noteKeys();
      return key;
    } catch (err) {
      if (isFetchFailure(err)) {
        this.failed(err);
        throw unavailable();
      }
      // No matching key after a (possibly cooled-down) fetch: the set may have changed under us.
      this.noteKeys();
      throw err;
    }
  };

  private noteKeys(): void {
    const jwks: JSONWebKeySet | undefined = this.set.jwks();
    if (jwks === undefined) return;
    const text = JSON.stringify(jwks);
    const changed = this.last !== '' && text !== this.last;
    if (text === this.last) return;
    const first = this.last === '';
    this.last = text;
    this.lastFailure = '';
    this.options.onEvent?.({ kind: 'fetched', keys: jwks.keys.length, changed: !first });
    if (changed) for (const fn of this.changeListeners) fn();
  }

  private failed(err: unknown): void {
    this.failedAt = performance.now();
    const reason = `security.jwtJwksUrl ${this.url} could not be fetched (${describe(err)})`;
    if (reason === this.lastFailure) return; // once per distinct problem, not every look
    this.lastFailure = reason;
    this.options.onEvent?.({ kind: 'failed', reason });
  }
}

function unavailable(): Unauthenticated {
  return new Unauthenticated(
    `the JWT cannot be checked now: the issuer's keys (security.jwtJwksUrl) could not be fetched`,
    'keys_unavailable',
  );
}

/** jose's errors for a fetch that did not give a usable set (as opposed to a set without the token's key). */
function isFetchFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return !(
    code === 'ERR_JWKS_NO_MATCHING_KEY' ||
    code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' ||
    code === 'ERR_JOSE_NOT_SUPPORTED'
  );
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message}: ${cause}` : (e.message ?? String(err));
}
