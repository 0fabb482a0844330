import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

/**
 * Encryption at rest (docs/security.md): AES-256-GCM envelopes under a ring of data keys. It lives in the log
 * layer, the innermost one that stores bytes, so the codec (every log backend), checkpoints and backups all
 * seal through this one file.
 *
 * Envelope: version byte (1) | key-id length (1 byte) | key id (UTF-8) | 12-byte random nonce | ciphertext |
 * 16-byte GCM tag. The additional authenticated data is the caller's context (e.g. the record's revision)
 * followed by the envelope's header, so an envelope copied to another revision, file or key id fails its tag.
 */
export const ENVELOPE_VERSION = 1;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** AES-256 key length. */
export const DATA_KEY_BYTES = 32;
/** What a key id may be: short, printable, safe in a file name and a log line. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** One data key: its id (stored with every envelope) and its 32 bytes. */
export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The data keys a process knows: the current one seals, every one opens envelopes sealed under its id. */
export class KeyRing {
  private readonly byId = new Map<string, Buffer>();

  /** The key named `currentId` seals new data; ids must be unique and keys 32 bytes. */
  constructor(
    keys: readonly DataKey[],
    readonly currentId: string,
  ) {
    for (const k of keys) {
      if (!KEY_ID_PATTERN.test(k.id)) {
        throw new EncryptionKeyError(`key id "${k.id}" is not 1 to 64 of A-Z a-z 0-9 . _ -`, k.id);
      }
      if (k.key.length !== DATA_KEY_BYTES) {
        throw new EncryptionKeyError(
          `key "${k.id}" is ${k.key.length} bytes; AES-256 needs exactly ${DATA_KEY_BYTES}`,
          k.id,
        );
      }
      if (this.byId.has(k.id)) throw new EncryptionKeyError(`key id "${k.id}" appears twice`, k.id);
      this.byId.set(k.id, k.key);
    }
    if (!this.byId.has(currentId)) {
      throw new EncryptionKeyError(`the current key "${currentId}" is not among the keys`, currentId);
    }
  }

  /** Key ids, current first. */
  ids(): string[] {
    return [this.currentId, ...[...this.byId.keys()].filter((id) => id !== this.currentId)];
  }

  /** The key of `id`, or undefined when the ring does not hold it. */
  get(id: string): Buffer | undefined {
    return this.byId.get(id);
  }

  /** The key new data is sealed with. */
  current(): DataKey {
    return { id: this.currentId, key: this.byId.get(this.currentId)! };
  }
}

/** A key ring that cannot be built (bad id, wrong length), or data sealed under a key this process lacks. */
export class EncryptionKeyError extends Error {
  constructor(
    message: string,
    readonly keyId: string,
  ) {
    super(message);
    this.name = 'EncryptionKeyError';
  }
}

/** An envelope whose GCM tag fails: the wrong key material under its id, or altered bytes. */
export class DecryptionError extends Error {
  constructor(
    message: string,
    readonly keyId: string,
  ) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/** An envelope that is not one (truncated, unknown version). */
export class EnvelopeFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeFormatError';
  }
}

/** True for a missing or wrong key (a start-up must refuse), as opposed to damaged or foreign bytes. */
export function isKeyProblem(err: unknown): err is EncryptionKeyError | DecryptionError {
  return err instanceof EncryptionKeyError || err instanceof DecryptionError;
}

let active: KeyRing | null = null;

/**
 * Sets the process's key ring (null: new data is written in plaintext). One store runs per process; the
 * composition root (server start-up, offline CLI commands) sets it once the configuration is read, and a
 * reload may replace it: envelopes already written keep naming their key id.
 */
export function useKeyRing(ring: KeyRing | null): void {
  active = ring;
}

/** The process's key ring, or null when encryption at rest is off. */
export function activeKeyRing(): KeyRing | null {
  return active;
}

/** Seals `plaintext` under the ring's current key, binding `context` (never stored) into the tag. */
export function seal(ring: KeyRing, plaintext: Uint8Array, context: Uint8Array): Buffer {
  const { id, key } = ring.current();
  const idBytes = Buffer.from(id, 'utf8');
  const head = Buffer.allocUnsafe(2 + idBytes.length + NONCE_BYTES);
  head[0] = ENVELOPE_VERSION;
  head[1] = idBytes.length;
  idBytes.copy(head, 2);
  const nonce = nextNonce();
  nonce.copy(head, 2 + idBytes.length);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.concat([context, head]));
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([head, body, cipher.getAuthTag()]);
}

/**
 * Nonces are drawn from the CSPRNG 4 KiB at a time: one randomBytes call per record cost about a fifth of a
 * seal. Every nonce is still 96 fresh random bits, used once.
 */
const noncePool = Buffer.alloc(NONCE_BYTES * 341);
let nonceAt = noncePool.length;

function nextNonce(): Buffer {
  if (nonceAt === noncePool.length) {
    randomFillSync(noncePool);
    nonceAt = 0;
  }
  const nonce = noncePool.subarray(nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** The key id an envelope names (without opening it). */
export function envelopeKeyId(envelope: Uint8Array): string {
  return parseHead(envelope).id;
}

/**
 * Opens an envelope written by {@link seal} with the same `context`. `what` names the data in errors
 * ("record at revision 7"). Throws {@link EncryptionKeyError} when the ring lacks its key (or there is no
 * ring), {@link DecryptionError} when the tag fails, {@link EnvelopeFormatError} when it is not an envelope.
 */
export function openSealed(
  ring: KeyRing | null,
  envelope: Uint8Array,
  context: Uint8Array,
  what: string,
): Buffer {
  const { id, headBytes } = parseHead(envelope);
  if (ring === null) {
    throw new EncryptionKeyError(
      `${what} is encrypted with key "${id}", but no encryption key is configured; set ` +
        'security.encryptionKeyFile or KVSTORE_ENCRYPTION_KEY (docs/security.md, "Encryption at rest")',
      id,
    );
  }
  const key = ring.get(id);
  if (key === undefined) {
    throw new EncryptionKeyError(
      `${what} is encrypted with key "${id}", which is not in the key ring (it holds ${ring
        .ids()
        .map((k) => `"${k}"`)
        .join(', ')}); add that key to security.encryptionKeyFile (keep old keys until kvstore reencrypt ` +
        'has rewritten everything sealed with them)',
      id,
    );
  }
  const view = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  const nonce = view.subarray(headBytes - NONCE_BYTES, headBytes);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.concat([context, view.subarray(0, headBytes)]));
  decipher.setAuthTag(view.subarray(view.length - TAG_BYTES));
  const body = decipher.update(view.subarray(headBytes, view.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    throw new DecryptionError(
      `${what} fails AES-256-GCM authentication under key "${id}": the key configured under that id is not ` +
        'the one it was written with (a wrong key), or the bytes were altered; nothing of it is served',
      id,
    );
  }
  return body;
}

function parseHead(envelope: Uint8Array): { id: string; headBytes: number } {
  if (envelope.length < 2 || envelope[0] !== ENVELOPE_VERSION) {
    throw new EnvelopeFormatError(
      `encryption envelope version ${String(envelope[0])} is not supported (this build reads ${ENVELOPE_VERSION})`,
    );
  }
  const idLength = envelope[1]!;
  const headBytes = 2 + idLength + NONCE_BYTES;
  if (idLength === 0 || envelope.length < headBytes + TAG_BYTES) {
    throw new EnvelopeFormatError(`encryption envelope of ${envelope.length} bytes is too short`);
  }
  const id = Buffer.from(envelope.buffer, envelope.byteOffset + 2, idLength).toString('utf8');
  return { id, headBytes };
}
