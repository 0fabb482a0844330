import { EventEmitter } from 'node:events';
import {
  constants,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { Metadata, type ServiceError, type StatusObject, status } from '@grpc/grpc-js';
import type { UnaryAdmission } from './admission.js';
import { endWithTrailers } from './one-write-answer.js';
import { type CompressionSettings, frameResponse, responseCompressionFor } from './response-compression.js';

/**
 * Unary calls answered straight from their HTTP/2 stream, without grpc-js's per-call machinery (a call object
 * per interceptor layer, listeners, responders, a read queue, a decoder; the message and its status sent from
 * two turns of the event loop). The handler, the strict deserializer and the serializer are grpc-js's own
 * (registered by addService), so a method answers the same whichever path serves it; fast-unary-hook.ts says
 * which calls come here. ADR 0008 has the measurements.
 */

/** What grpc-js registered for a method (Server's private `handlers` map): the parts a unary call uses. */
export interface RegisteredUnary {
  readonly type: string;
  readonly path: string;
  readonly func: (call: unknown, callback: UnaryCallback) => void;
  readonly serialize: (value: unknown) => Buffer;
  readonly deserialize: (bytes: Buffer) => unknown;
}

/** How grpc-js's unary handlers answer: an error, or a value with optional trailers. */
type UnaryCallback = (err: Partial<ServiceError> | null, value?: unknown, trailer?: Metadata) => void;

/** Limits and admission of one fast call. */
export interface FastCallSettings {
  /** grpc.max_receive_message_length. */
  readonly maxReceiveBytes: number;
  /** grpc.max_send_message_length. */
  readonly maxSendBytes: number;
  /** Admission of this call (admission.ts), the same as the interceptor's. */
  admit(peer: string, path: string, refuse: (details: string) => void): UnaryAdmission;
}

/** Request headers that are the transport's, not the application's metadata (as grpc-js drops them). */
const TRANSPORT_HEADERS = [
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'accept-encoding',
  'te',
  'content-type',
];
const DEADLINE = /^(\d{1,8})([HMSmun])$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};
const RESPONSE_OPTIONS = { waitForTrailers: true } as const;
/** The headers of an answer with a message (Node copies what it is given, so these are shared). */
const IDENTITY_HEADERS: OutgoingHttpHeaders = Object.freeze({
  [constants.HTTP2_HEADER_STATUS]: 200,
  [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto',
  'grpc-accept-encoding': 'identity,deflate,gzip',
  'grpc-encoding': 'identity',
});
const GZIP_HEADERS: OutgoingHttpHeaders = Object.freeze({ ...IDENTITY_HEADERS, 'grpc-encoding': 'gzip' });
const OK_TRAILERS = Object.freeze({ 'grpc-status': '0', 'grpc-message': 'OK' });
/** Each HTTP/2 session's peer address ("host:port"), made on its first call. */
const PEERS = new WeakMap<Http2Session, string>();

/** Serves one unary call on `stream`: reads its request, runs the handler, answers. */
export function serveUnary(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  method: RegisteredUnary,
  settings: FastCallSettings,
): void {
  new FastUnaryCall(stream, headers, method, settings).start();
}

/**
 * The call a unary handler receives (the part of grpc-js's ServerUnaryCall that handlers use): the request,
 * its metadata (made when first asked for), the peer, the deadline, and 'cancelled' when the client goes.
 */
class FastUnaryCall extends EventEmitter {
  request: unknown = null;
  cancelled = false;
  private answered = false;
  private responseMetadata: Metadata | null = null;
  private requestMetadata: Metadata | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private deadline = Infinity;
  private readonly admission: UnaryAdmission;
  private readonly compression: CompressionSettings | null;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    private readonly method: RegisteredUnary,
    private readonly settings: FastCallSettings,
  ) {
    super();
    this.admission = settings.admit(this.getPeer(), method.path, (details) =>
      this.sendStatus({ code: status.RESOURCE_EXHAUSTED, details, metadata: null }),
    );
    this.compression = responseCompressionFor(headers as Record<string, string | string[] | undefined>);
  }

  start(): void {
    // Every stream error also closes it, and 'close' is where a call that is not answered is cancelled.
    this.stream.once('error', () => {});
    this.stream.once('close', () => this.closed());
    const timeout = this.headers['grpc-timeout'];
    if (timeout !== undefined && !this.startDeadline(String(timeout))) return;
    this.admission.gate(() => this.read());
  }

  get metadata(): Metadata {
    if (this.requestMetadata === null) {
      const metadata = Metadata.fromHttp2Headers(this.headers);
      for (const name of TRANSPORT_HEADERS) metadata.remove(name);
      this.requestMetadata = metadata;
    }
    return this.requestMetadata;
  }

  getPeer(): string {
    const session = this.stream.session;
    if (session === undefined) return 'unknown';
    // One string per connection: admission finds the connection by it on every call, and a string seen
    // before keeps its hash.
    let peer = PEERS.get(session);
    if (peer === undefined) {
      const socket = session.socket;
      if (!socket?.remoteAddress) return 'unknown';
      peer = socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress;
      PEERS.set(session, peer);
    }
    return peer;
  }

  getDeadline(): number {
    return this.deadline;
  }

  getPath(): string {
    return this.method.path;
  }

  getHost(): string | undefined {
    return this.headers[':authority'] ?? this.headers.host;
  }

  /** Headers to send with the answer (a unary call sends them with its message or its status). */
  sendMetadata(metadata: Metadata): void {
    this.responseMetadata = metadata;
  }

  private startDeadline(value: string): boolean {
    const match = DEADLINE.exec(value);
    if (match === null) {
      this.sendStatus({
        code: status.INTERNAL,
        details: `Invalid grpc-timeout value "${value}"`,
        metadata: null,
      });
      return false;
    }
    const ms = (Number(match[1]) * UNIT_MS[match[2]!]!) | 0;
    this.deadline = Date.now() + ms;
    this.deadlineTimer = setTimeout(() => {
      this.sendStatus({ code: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded', metadata: null });
      this.cancel();
    }, ms);
    return true;
  }

  /** Reads the whole request (one message of at most maxReceiveBytes), then decodes and admits it. */
  private read(): void {
    if (this.answered) return;
    const chunks: Buffer[] = [];
    let length = 0;
    const max = this.settings.maxReceiveBytes;
    const onData = (chunk: Buffer) => {
      if (this.answered) return; // refused or cancelled: the rest is drained and dropped
      const before = length;
      length += chunk.length;
      chunks.push(chunk);
      // As grpc-js does: refused on the length the message declares, before its body is read.
      if (before < 5 && length >= 5) {
        const head = chunks[0]!.length >= 5 ? chunks[0]! : Buffer.concat(chunks, length);
        const declared = head.readUInt32BE(1);
        if (declared > max) {
          this.sendStatus({
            code: status.RESOURCE_EXHAUSTED,
            details: `Received message larger than max (${declared} vs ${max})`,
            metadata: null,
          });
          return;
        }
      }
      if (length > max + 5) this.refuseBody('a second request message');
    };
    this.stream.on('data', onData);
    this.stream.once('end', () => {
      if (!this.answered) this.received(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
    });
  }

  /** A body that is not exactly one message. */
  private refuseBody(what: string): void {
    this.sendStatus({
      code: status.UNIMPLEMENTED,
      details: `Received ${what} for unary method ${this.method.path}`,
      metadata: null,
    });
  }

  private received(body: Buffer): void {
    const expected = body.length < 5 ? -1 : body.readUInt32BE(1) + 5;
    if (body.length !== expected) {
      this.refuseBody(
        body.length === 0
          ? 'no request message'
          : body.length < expected || expected < 0
            ? 'an incomplete request message'
            : 'a second request message',
      );
      return;
    }
    try {
      this.request = this.method.deserialize(body.subarray(5));
    } catch {
      this.sendStatus({ code: status.INTERNAL, details: 'Error deserializing request', metadata: null });
      return;
    }
    this.admission.received(this.request, () => this.run());
  }

  private run(): void {
    try {
      this.method.func(this, (err, value, trailer) => this.respond(err, value, trailer));
    } catch {
      // As grpc-js answers a handler that throws: without the error's text, which may hold anything.
      this.respond({ code: status.UNKNOWN, details: 'Unknown error' }, null, undefined);
    }
  }

  private respond(err: Partial<ServiceError> | null, value: unknown, trailer: Metadata | undefined): void {
    if (err) {
      this.sendStatus(errorStatus(err, trailer));
      return;
    }
    if (this.answered || this.cancelled) return;
    let message: Buffer;
    try {
      message = this.method.serialize(value);
    } catch {
      this.sendStatus({ code: status.INTERNAL, details: 'Error serializing response', metadata: null });
      return;
    }
    if (message.length > this.settings.maxSendBytes) {
      this.sendStatus({
        code: status.RESOURCE_EXHAUSTED,
        details: `Sent message larger than max (${message.length + 5} vs. ${this.settings.maxSendBytes})`,
        metadata: null,
      });
      return;
    }
    this.finish();
    // The client may have gone in this very turn ('close' comes on the next): nothing to answer then.
    if (this.stream.destroyed || this.stream.closed) return;
    const trailers = trailer ? { ...OK_TRAILERS, ...trailer.toHttp2Headers() } : OK_TRAILERS;
    this.stream.respond(this.responseHeaders(), RESPONSE_OPTIONS);
    endWithTrailers(this.stream, frameResponse(message, this.compression), trailers);
  }

  /** Answers with a status and no message: one HEADERS frame that ends the stream ("trailers only"). */
  private sendStatus(
    result: StatusObject | { code: status; details: string; metadata: Metadata | null },
  ): void {
    if (this.answered || this.cancelled) return;
    this.finish();
    if (this.stream.destroyed || this.stream.closed) return;
    this.stream.respond(
      {
        [constants.HTTP2_HEADER_STATUS]: 200,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto',
        ...this.responseMetadata?.toHttp2Headers(),
        ...result.metadata?.toHttp2Headers(),
        'grpc-status': String(result.code),
        'grpc-message': encodeURI(result.details),
      },
      { endStream: true },
    );
    // What the client still sends is read and dropped, so that the stream can close.
    this.stream.resume();
  }

  private responseHeaders(): OutgoingHttpHeaders {
    const headers = this.compression ? GZIP_HEADERS : IDENTITY_HEADERS;
    return this.responseMetadata ? { ...headers, ...this.responseMetadata.toHttp2Headers() } : headers;
  }

  /** The answer is decided: no other may follow, and the request's bytes are no longer held. */
  private finish(): void {
    this.answered = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.admission.end();
  }

  private closed(): void {
    if (!this.answered) this.cancel();
    this.admission.end();
  }

  private cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.admission.end();
    process.nextTick(() => this.emit('cancelled', 'cancelled'));
  }
}

/** The status grpc-js answers for a handler's error (serverErrorToStatus). */
function errorStatus(err: Partial<ServiceError>, trailer: Metadata | undefined): StatusObject {
  const numeric = typeof err.code === 'number' && Number.isInteger(err.code);
  return {
    code: numeric ? (err.code as status) : status.UNKNOWN,
    details:
      numeric && typeof err.details === 'string'
        ? err.details
        : 'message' in err
          ? String(err.message)
          : 'Unknown Error',
    metadata: trailer ?? err.metadata ?? new Metadata(),
  };
}
