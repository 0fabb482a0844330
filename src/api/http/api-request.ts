import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseDuration } from '../../config/units.js';
import type { Principal } from '../../security/principal.js';
import type { Access } from '../../service/access.js';
import { ServiceError } from '../../service/errors.js';
import type { ConditionInput } from '../../service/types.js';
import { InvalidArgumentError } from '../../store/errors.js';
import { JsonReader } from './json-values.js';

/** Holds request bytes against the server's in-flight limit (see Admission.hold). */
export type BodyHold = (bytes: number) => { readonly release: () => void } | { readonly refused: string };

/** A refusal names the limit and asks to back off: this long, in the Retry-After header (rounded up to 1 s). */
const RETRY_AFTER_MS = 1_000;

/** One request to the JSON API, with readers for its query, headers and body. */
export class ApiRequest {
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly url: URL,
    /** The `{key}` of the path, percent-decoded ("" when the route has none). */
    readonly key: string,
    /** What the caller may touch (every operation checks it). */
    readonly access: Access,
    private readonly maxBodyBytes: number,
    private readonly hold?: BodyHold,
    /** Who the gate admitted (null: authentication is off). */
    readonly principal: Principal | null = null,
  ) {}

  /** A query parameter, or a header of the same name (headers are case-insensitive). */
  param(name: string): string | undefined {
    const q = this.url.searchParams.get(name);
    if (q !== null) return q;
    const h = this.req.headers[name.toLowerCase()];
    return Array.isArray(h) ? h[0] : h;
  }

  string(name: string): string {
    return this.url.searchParams.get(name) ?? '';
  }

  /** A flag: present with no value, "true" or "1" is true; "false", "0" or absent is false. */
  bool(name: string): boolean {
    const v = this.param(name);
    if (v === undefined || v === 'false' || v === '0') return false;
    if (v === '' || v === 'true' || v === '1') return true;
    throw new InvalidArgumentError(name, `is "${v}"; must be true or false`);
  }

  int(name: string, fallback = 0): number {
    const v = this.param(name);
    if (v === undefined || v === '') return fallback;
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(name, `is "${v}"; must be an integer`);
    return Number(v);
  }

  /** `ttl` ("30s", "5m", bare numbers in seconds) or `ttl_ms`, as query or header; undefined when absent. */
  ttlMs(): number | undefined {
    const ttl = this.param('ttl');
    if (ttl !== undefined) {
      const ms = parseDuration(ttl, 's');
      if (ms === null)
        throw new InvalidArgumentError('ttl', `is "${ttl}"; must be a duration such as 30s, 5m or 1h`);
      return ms;
    }
    const ms = this.param('ttl_ms');
    return ms === undefined ? undefined : this.int('ttl_ms');
  }

  /**
   * The write's condition from the query or headers: `if-mod-revision`, `if-version`, `if-absent`,
   * `if-value`, or the HTTP forms `If-Match: "<mod_revision>"` and `If-None-Match: *` (absent). At most one.
   */
  condition(): ConditionInput | null {
    const found: ConditionInput[] = [];
    const modRevision = this.param('if-mod-revision');
    if (modRevision !== undefined)
      found.push({ condition: 'mod_revision', mod_revision: this.int('if-mod-revision') });
    const ifMatch = this.req.headers['if-match'];
    if (ifMatch !== undefined) {
      const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(ifMatch);
      if (!m)
        throw new InvalidArgumentError(
          'If-Match',
          `is ${ifMatch}; must be an ETag this server sent ("<mod_revision>")`,
        );
      found.push({ condition: 'mod_revision', mod_revision: Number(m[1]) });
    }
    if (this.param('if-version') !== undefined)
      found.push({ condition: 'version', version: this.int('if-version') });
    if (this.bool('if-absent')) found.push({ condition: 'absent', absent: true });
    const ifNoneMatch = this.req.headers['if-none-match'];
    if (ifNoneMatch !== undefined && this.req.method !== 'GET' && this.req.method !== 'HEAD') {
      if (ifNoneMatch.trim() !== '*')
        throw new InvalidArgumentError('If-None-Match', 'on a write must be * (the key must not exist)');
      found.push({ condition: 'absent', absent: true });
    }
    const ifValue = this.param('if-value');
    if (ifValue !== undefined) found.push({ condition: 'value', value: Buffer.from(ifValue, 'utf8') });
    if (found.length > 1)
      throw new InvalidArgumentError(
        'condition',
        'give one of if-mod-revision (or If-Match), if-version, if-absent (or If-None-Match: *), if-value',
      );
    return found[0] ?? null;
  }

  /**
   * The body, read up to the limit (RESOURCE_EXHAUSTED, 413, beyond it, before it is all read). Its bytes
   * are held against the server's in-flight limit until the answer is sent: a declared Content-Length before
   * the body is read (a refused body is never buffered), otherwise once it has arrived. Over that limit:
   * RESOURCE_EXHAUSTED with a Retry-After (429).
   */
  async body(): Promise<Buffer> {
    const header = this.req.headers['content-length'];
    const declared = header === undefined ? null : Number(header);
    if (declared !== null && declared > this.maxBodyBytes) throw this.tooLarge(declared);
    if (declared !== null) this.admit(declared);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req) {
      size += (chunk as Buffer).length;
      if (size > this.maxBodyBytes) throw this.tooLarge(size);
      chunks.push(chunk as Buffer);
    }
    if (declared === null) this.admit(size);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  private admit(bytes: number): void {
    if (this.hold === undefined || bytes === 0) return;
    const held = this.hold(bytes);
    if ('refused' in held) {
      // The body (at most maxBodyBytes) is read and dropped, never held, so the client gets the answer.
      this.req.resume();
      throw new ServiceError('RESOURCE_EXHAUSTED', held.refused, {
        field: 'body',
        'retry-after-ms': String(RETRY_AFTER_MS),
      });
    }
    this.res.once('close', held.release);
  }

  /** Whether the body is JSON (by its content type). */
  isJson(): boolean {
    return /^application\/(?:[\w.+-]*\+)?json\b/i.test(this.req.headers['content-type'] ?? '');
  }

  /** The body parsed as a JSON object ("{}" when empty). */
  async json(): Promise<JsonReader> {
    const body = await this.body();
    if (body.length === 0) return JsonReader.of({});
    let data: unknown;
    try {
      data = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new InvalidArgumentError('body', `is not valid JSON (${(err as Error).message})`);
    }
    return JsonReader.of(data);
  }

  private tooLarge(bytes: number): ServiceError {
    // The connection cannot be reused: the rest of the body is not read.
    this.res.shouldKeepAlive = false;
    return new ServiceError(
      'RESOURCE_EXHAUSTED',
      `body: is ${bytes} bytes or more, over the request limit of ${this.maxBodyBytes} bytes`,
      { field: 'body', limit: String(this.maxBodyBytes) },
    );
  }
}
