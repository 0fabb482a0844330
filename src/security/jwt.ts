import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type CryptoKey,
  createLocalJWKSet,
  errors,
  importSPKI,
  type JSONWebKeySet,
  type JWSAlgorithm,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { type Principal, type RefusalReason, Unauthenticated } from './principal.js';
import type { RemoteJwks } from './remote-jwks.js';

/** Where JWT bearer tokens are checked against ('' = not used); see docs/security.md. */
export interface JwtSettings {
  /** HS256 shared secret (at least 32 bytes; one trailing newline is ignored). */
  readonly jwtSecretFile: string;
  /** RS256 or ES256 public key (PEM, SPKI); the algorithm follows the key's type. */
  readonly jwtPublicKeyFile: string;
  /** A JSON Web Key Set (RS256/ES256 keys, chosen by the token's kid). */
  readonly jwtJwksFile: string;
  /** The issuer's JWKS by URL (security.jwtJwksUrl; fetched by {@link RemoteJwks}). */
  readonly jwtJwksUrl?: string;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** Claim holding the roles (a list, or one space-separated string); dots reach into objects. */
  readonly jwtRolesClaim: string;
  /** exp and nbf are allowed this much clock difference. */
  readonly jwtClockSkewMs: number;
}

/** True when any JWT key is configured. */
export function jwtConfigured(s: JwtSettings): boolean {
  return (
    s.jwtSecretFile !== '' || s.jwtPublicKeyFile !== '' || s.jwtJwksFile !== '' || (s.jwtJwksUrl ?? '') !== ''
  );
}

/** The files JWT keys are read from (for the reload: they are read again when they change). */
export function jwtKeyFiles(s: JwtSettings): string[] {
  return [s.jwtSecretFile, s.jwtPublicKeyFile, s.jwtJwksFile].filter((f) => f !== '');
}

type KeyResolver = (header: JWTHeaderParameters) => Promise<CryptoKey | Uint8Array>;

/** The keys tokens are verified with: the algorithms allowed and the key for a token's header. */
export interface JwtKeys {
  readonly algorithms: JWSAlgorithm[];
  readonly keyFor: KeyResolver;
}

/** Verified tokens (and recent refusals) kept at most; the oldest go first. */
const CACHE_ENTRIES = 10_000;
/** A refusal is remembered this long, so the gate's second look and a retry storm cost no verification. */
const REFUSAL_MS = 1_000;

interface CacheEntry {
  readonly principal?: Principal;
  readonly refusal?: Unauthenticated;
  /** Until when this entry answers (ms since the epoch): exp + skew for a principal. */
  readonly untilMs: number;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function readSetting(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${setting} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

/**
 * Verifies JWT bearer tokens with jose (signature, issuer, audience, exp and nbf with a clock-skew allowance;
 * exp and sub required) and keeps each verified token's principal until it expires, so a client that sends
 * the same token on every call pays the signature check once (bench/security.ts measures both).
 */
export class JwtAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly verifying = new Map<string, Promise<void>>();

  /** Bumped when the keys change: a verification that began under older keys is done again. */
  private generation = 0;

  private constructor(
    private readonly settings: JwtSettings,
    private keys: JwtKeys,
    private readonly now: () => number,
  ) {}

  /** Reads the configured keys; throws naming the setting when one is unreadable or unusable. */
  static async load(
    settings: JwtSettings,
    now: () => number = Date.now,
    remote: RemoteJwks | null = null,
  ): Promise<JwtAuthenticator> {
    if (settings.jwtIssuer === '' || settings.jwtAudience === '')
      throw new Error(
        'security.jwtIssuer and security.jwtAudience must both be set when JWTs are accepted (a token for another service or from another issuer must not pass)',
      );
    const jwt = new JwtAuthenticator(settings, await loadJwtKeys(settings, remote), now);
    // A key removed from the issuer's set: the tokens it verified are checked again.
    remote?.onChange(() => jwt.forget());
    return jwt;
  }

  /**
   * Verifies with `keys` from now on (the key files changed): every token verified before is checked
   * again, so a token signed with a removed key or secret is refused at once.
   */
  useKeys(keys: JwtKeys): void {
    this.keys = keys;
    this.forget();
  }

  /** Drops every verified token (and remembered refusal): each is verified again when next seen. */
  forget(): void {
    this.generation += 1;
    this.cache.clear();
  }

  /**
   * The principal of a token verified before (by {@link prepare}); throws {@link Unauthenticated} saying
   * why it is refused.
   */
  verified(token: string): Principal {
    const entry = this.cache.get(token);
    const now = this.now();
    if (entry !== undefined && now < entry.untilMs) {
      if (entry.principal !== undefined) return entry.principal;
      throw entry.refusal!;
    }
    if (entry?.principal !== undefined) {
      this.cache.delete(token);
      const exp = Math.floor((entry.untilMs - this.settings.jwtClockSkewMs) / 1000);
      throw new Unauthenticated(`the JWT expired at ${iso(exp)}`, 'expired');
    }
    throw new Unauthenticated('the JWT was not verified (the gate did not prepare it)', 'malformed');
  }

  /** Verifies a token not seen (or no longer cached); undefined when {@link verified} can answer now. */
  prepare(token: string): Promise<void> | undefined {
    const entry = this.cache.get(token);
    if (entry !== undefined && (this.now() < entry.untilMs || entry.principal !== undefined))
      return undefined;
    let pending = this.verifying.get(token);
    if (pending === undefined) {
      pending = this.verify(token).finally(() => this.verifying.delete(token));
      this.verifying.set(token, pending);
    }
    return pending;
  }

  /** Tokens held (verified or recently refused). */
  get cached(): number {
    return this.cache.size;
  }

  private async verify(token: string): Promise<void> {
    let entry: CacheEntry;
    let generation: number;
    do {
      generation = this.generation;
      entry = await this.verifyOnce(token);
    } while (generation !== this.generation);
    if (this.cache.size >= CACHE_ENTRIES) this.evict();
    this.cache.delete(token);
    this.cache.set(token, entry);
  }

  private async verifyOnce(token: string): Promise<CacheEntry> {
    let entry: CacheEntry;
    try {
      const { payload } = await jwtVerify(token, this.keys.keyFor, {
        algorithms: this.keys.algorithms,
        issuer: this.settings.jwtIssuer,
        audience: this.settings.jwtAudience,
        clockTolerance: Math.round(this.settings.jwtClockSkewMs / 1000),
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      });
      entry = {
        principal: { name: payload.sub!, roles: this.rolesOf(payload), via: 'jwt' },
        untilMs: payload.exp! * 1000 + this.settings.jwtClockSkewMs,
      };
    } catch (err) {
      entry = { refusal: refusalOf(err, this.settings), untilMs: this.now() + REFUSAL_MS };
    }
    return entry;
  }

  private rolesOf(payload: JWTPayload): string[] {
    let value: unknown = payload;
    for (const part of this.settings.jwtRolesClaim.split('.')) {
      value =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (value === undefined) return [];
    if (typeof value === 'string') return value.split(' ').filter((r) => r !== '');
    if (Array.isArray(value) && value.every((r) => typeof r === 'string')) return value as string[];
    throw new Unauthenticated(
      `the JWT's ${this.settings.jwtRolesClaim} claim is not a list of role names`,
      'claims',
    );
  }

  /** Drops expired entries, and the oldest tenth if that is not enough. */
  private evict(): void {
    const now = this.now();
    for (const [token, entry] of this.cache) if (entry.untilMs <= now) this.cache.delete(token);
    let extra = this.cache.size - Math.floor(CACHE_ENTRIES * 0.9);
    for (const token of this.cache.keys()) {
      if (extra-- <= 0) break;
      this.cache.delete(token);
    }
  }
}

/**
 * Reads the key files (and takes the remote set) into the keys tokens are verified with; throws naming
 * the setting when one is unreadable or unusable.
 */
export async function loadJwtKeys(settings: JwtSettings, remote: RemoteJwks | null = null): Promise<JwtKeys> {
  const algorithms: JWSAlgorithm[] = [];
  let secret: Uint8Array | null = null;
  if (settings.jwtSecretFile !== '') {
    let raw = readSetting('security.jwtSecretFile', settings.jwtSecretFile);
    if (raw.at(-1) === 0x0a) raw = raw.subarray(0, raw.at(-2) === 0x0d ? -2 : -1);
    if (raw.length < 32)
      throw new Error(
        `security.jwtSecretFile ${settings.jwtSecretFile}: an HS256 secret needs at least 32 bytes (has ${raw.length})`,
      );
    secret = new Uint8Array(raw);
    algorithms.push('HS256');
  }
  let pem: { alg: JWSAlgorithm; key: CryptoKey } | null = null;
  if (settings.jwtPublicKeyFile !== '') {
    const where = `security.jwtPublicKeyFile ${settings.jwtPublicKeyFile}`;
    const text = readSetting('security.jwtPublicKeyFile', settings.jwtPublicKeyFile).toString('utf8');
    let alg: JWSAlgorithm;
    try {
      const key = createPublicKey(text);
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (key.asymmetricKeyType === 'rsa') alg = 'RS256';
      else if (key.asymmetricKeyType === 'ec' && curve === 'prime256v1') alg = 'ES256';
      else
        throw new Error(`a ${key.asymmetricKeyType} ${curve ?? ''} key: use RSA (RS256) or EC P-256 (ES256)`);
      pem = { alg, key: await importSPKI(key.export({ type: 'spki', format: 'pem' }).toString(), alg) };
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    if (!algorithms.includes(alg)) algorithms.push(alg);
  }
  let jwks: ReturnType<typeof createLocalJWKSet> | null = null;
  if (settings.jwtJwksFile !== '') {
    const where = `security.jwtJwksFile ${settings.jwtJwksFile}`;
    try {
      const set = JSON.parse(readSetting('security.jwtJwksFile', settings.jwtJwksFile).toString('utf8'));
      jwks = createLocalJWKSet(set as JSONWebKeySet);
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    for (const alg of ['RS256', 'ES256'] as const) if (!algorithms.includes(alg)) algorithms.push(alg);
  }
  if (remote !== null)
    for (const alg of ['RS256', 'ES256'] as const) if (!algorithms.includes(alg)) algorithms.push(alg);
  if (algorithms.length === 0) throw new Error('no JWT key is configured');
  // The key follows the token's alg, and HS256 only ever uses the secret: a token signed with a public
  // key as an HMAC secret (the classic algorithm confusion) finds no key.
  const keyFor: KeyResolver = async (header) => {
    if (header.alg === 'HS256' && secret !== null) return secret;
    if (jwks !== null && header.alg !== 'HS256') {
      // A kid the file lacks may be the issuer's (remote) set's.
      if (remote === null) return jwks(header);
      try {
        return await jwks(header);
      } catch {
        return remote.keyFor(header);
      }
    }
    if (remote !== null && header.alg !== 'HS256') return remote.keyFor(header);
    if (pem !== null && header.alg === pem.alg) return pem.key;
    throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed`);
  };
  return { algorithms, keyFor };
}

/** What the caller is told: which claim failed and why, never anything about the key or signature bytes. */
function refusalOf(err: unknown, settings: JwtSettings): Unauthenticated {
  if (err instanceof Unauthenticated) return err;
  const refuse = (message: string, reason: RefusalReason) => new Unauthenticated(message, reason);
  if (err instanceof errors.JWTExpired) {
    const exp = err.payload.exp;
    return refuse(`the JWT expired at ${typeof exp === 'number' ? iso(exp) : '?'}`, 'expired');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return refuse(
          `the JWT is not for this server (its audience is not "${settings.jwtAudience}")`,
          'audience',
        );
      case 'iss':
        return refuse(`the JWT is not from the trusted issuer "${settings.jwtIssuer}"`, 'issuer');
      case 'nbf': {
        const nbf = err.payload.nbf;
        return refuse(
          `the JWT is not valid before ${typeof nbf === 'number' ? iso(nbf) : '?'}`,
          'not_yet_valid',
        );
      }
      default:
        return refuse(
          err.reason === 'missing'
            ? `the JWT has no "${err.claim}" claim`
            : `the JWT's "${err.claim}" claim is invalid`,
          'claims',
        );
    }
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey)
    return refuse('the JWT signature does not verify with any trusted key', 'bad_signature');
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported)
    return refuse('the JWT is signed with an algorithm this server does not accept', 'unsupported');
  return refuse('the JWT is malformed', 'malformed');
}
