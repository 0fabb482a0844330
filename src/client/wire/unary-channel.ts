/**
 * gRPC calls over node:http2, for the TypeScript client (src/client/) and the CLI. A command run makes one
 * or a few calls and exits, so loading @grpc/grpc-js and protobufjs (and parsing the .proto) would cost
 * several times the call itself (docs/benchmarks.md, CLI start-up). Unary calls and server streams (Watch,
 * Backup) both go through here.
 */

import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
} from 'node:http2';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { WIRE_DESCRIPTOR } from '../../api/generated/wire-descriptor.js';
import { decodeMessage, encodeMessage, type WireMessage } from './codec.js';
import { GRPC_STATUS } from './status.js';

/**
 * A call that did not end OK. `answered` is true when the server sent a gRPC status, false when no answer
 * came (connection refused or lost, deadline passed).
 */
export class CallError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly answered: boolean,
    /** Trailing metadata the server sent with the status (e.g. compact-revision). */
    readonly trailers: Readonly<Record<string, string>> = {},
    /**
     * False when the request provably never reached the server (no connection could be made, or the
     * server refused the stream before reading it): then even a write can be sent again safely.
     */
    readonly sent: boolean = true,
  ) {
    super(details);
    this.name = 'CallError';
  }
}

/** HTTP/2 stream reset codes as gRPC clients map them. */
function resetStatus(rstCode: number): number {
  if (rstCode === constants.NGHTTP2_REFUSED_STREAM) return GRPC_STATUS.UNAVAILABLE;
  if (rstCode === constants.NGHTTP2_CANCEL) return GRPC_STATUS.CANCELLED;
  if (rstCode === constants.NGHTTP2_ENHANCE_YOUR_CALM) return GRPC_STATUS.RESOURCE_EXHAUSTED;
  return GRPC_STATUS.INTERNAL;
}

/** One length-prefixed gRPC message. */
function frame(body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

/** The single response message of a unary call, from its length-prefixed frame. */
function unframe(data: Buffer): Buffer {
  if (data.length < 5) throw new CallError(GRPC_STATUS.INTERNAL, 'response without a message', true);
  if (data[0] !== 0) throw new CallError(GRPC_STATUS.INTERNAL, 'compressed response not asked for', true);
  const length = data.readUInt32BE(1);
  if (data.length !== 5 + length) throw new CallError(GRPC_STATUS.INTERNAL, 'response frame cut short', true);
  return data.subarray(5);
}

function trailerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':') && v !== undefined) out[k] = String(v);
  return out;
}

/** The one message of an OK response, decoded; a {@link CallError} when it does not decode. */
function decodeResponse(type: string, chunks: Buffer[]): WireMessage | CallError {
  try {
    return decodeMessage(type, unframe(Buffer.concat(chunks)));
  } catch (err) {
    if (err instanceof CallError) return err;
    return new CallError(GRPC_STATUS.INTERNAL, `cannot decode the response: ${(err as Error).message}`, true);
  }
}

/** A gRPC status from trailers (or trailers-only headers); undefined when there is none. */
function statusFrom(headers: IncomingHttpHeaders): CallError | 'ok' | undefined {
  const raw = headers['grpc-status'];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  if (code === GRPC_STATUS.OK) return 'ok';
  let message = String(headers['grpc-message'] ?? '');
  try {
    message = decodeURIComponent(message);
  } catch {
    // Not percent-encoded after all: keep it as sent.
  }
  return new CallError(code, message, true, trailerRecord(headers));
}

/** Sessions that completed their HTTP/2 handshake (a request on any other was never sent). */
const connectedSessions = new WeakSet<ClientHttp2Session>();

/** Handlers of a server-streaming call. */
export interface StreamHandlers {
  /** Each response message, decoded, in order. */
  onMessage(message: WireMessage): void;
  /** Once: undefined for an OK end, else why the stream ended. */
  onEnd(error: CallError | undefined): void;
  /** The server accepted the call (response headers without a status): the stream is open. */
  onOpen?(): void;
}

/** A server stream in progress. */
export interface StreamHandle {
  /** Ends the call (the server sees a cancellation); onEnd is not called after this. */
  cancel(): void;
  /** Stops reading (HTTP/2 flow control then holds the server back) / reads again. */
  pause(): void;
  resume(): void;
}

/** TLS of a connection: PEM contents (not file names). */
export interface TlsOptions {
  /** CA certificates the server's must chain to (default: Node's bundled roots). */
  readonly ca?: string | Buffer;
  /** Client certificate chain and key, for servers that ask for one (mTLS). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

/** How a channel connects: headers sent with every call (e.g. authorization), and TLS. */
export interface ChannelOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Set: the connection is TLS (https); absent: plaintext HTTP/2. */
  readonly tls?: TlsOptions;
}

/** Unary and server-streaming calls to one server over one HTTP/2 connection, opened on the first call. */
export class UnaryChannel {
  private session: ClientHttp2Session | undefined;
  private sessionError: Error | undefined;

  private readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly addr: string,
    private readonly options: ChannelOptions = {},
  ) {
    this.headers = options.headers ?? {};
  }

  private open(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    this.sessionError = undefined;
    // node:http2 refuses new streams (ENHANCE_YOUR_CALM) past 10 MB of session memory by default: an
    // import with 64 one-MiB Sets in flight needs more. What is in flight is bounded by the caller.
    const tls = this.options.tls;
    const session = tls
      ? connect(`https://${this.addr}`, {
          maxSessionMemory: 1_000_000,
          // Our own TLS socket: SNI only for a host name (node warns when an IP address is sent as one).
          createConnection: () => {
            const at = this.addr.lastIndexOf(':');
            const host = this.addr.slice(0, at).replace(/^\[(.*)\]$/, '$1');
            return tlsConnect({
              host,
              port: Number(this.addr.slice(at + 1)),
              ALPNProtocols: ['h2'],
              ...(isIP(host) === 0 ? { servername: host } : {}),
              ...(tls.ca === undefined ? {} : { ca: tls.ca }),
              ...(tls.cert === undefined ? {} : { cert: tls.cert }),
              ...(tls.key === undefined ? {} : { key: tls.key }),
            });
          },
        })
      : connect(`http://${this.addr}`, { maxSessionMemory: 1_000_000 });
    session.on('error', (err) => {
      if (this.session === session) this.sessionError = err;
    });
    session.once('connect', () => connectedSessions.add(session));
    // A session that closes (the server went away) is replaced on the next call.
    session.once('close', () => {
      if (this.session === session) this.session = undefined;
    });
    // An idle connection does not keep a finished program alive; calls in flight do (see track()).
    if (this.active === 0) session.unref();
    this.session = session;
    return session;
  }

  /** Calls in flight: while there are any, the connection keeps the program running. */
  private active = 0;

  private track(session: ClientHttp2Session): () => void {
    if (this.active++ === 0) session.ref();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.active === 0 && !session.destroyed) session.unref();
    };
  }

  /** Starts a server-streaming call (`KV/Watch`, `Admin/Backup`). */
  stream(method: string, request: WireMessage, handlers: StreamHandlers): StreamHandle {
    const types = WIRE_DESCRIPTOR.methods[method];
    if (!types) throw new Error(`unknown method ${method}`);
    const body = frame(encodeMessage(types[0], request));
    let ended = false;
    const end = (error: CallError | undefined) => {
      if (ended) return;
      ended = true;
      handlers.onEnd(error);
    };
    let session: ClientHttp2Session;
    let stream: ClientHttp2Stream;
    try {
      session = this.open();
      stream = session.request({
        ':method': 'POST',
        ':path': `/kvstore.v1.${method}`,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-accept-encoding': 'identity',
        ...this.headers,
      });
    } catch (err) {
      queueMicrotask(() =>
        end(new CallError(GRPC_STATUS.UNAVAILABLE, (err as Error).message, false, {}, false)),
      );
      return {
        cancel: () => {
          ended = true;
        },
        pause() {},
        resume() {},
      };
    }
    const untrack = this.track(session);
    let pending: Buffer = Buffer.alloc(0);
    let outcome: CallError | 'ok' | undefined;
    let httpStatus = 0;
    let streamError: Error | undefined;
    stream.on('response', (headers) => {
      httpStatus = Number(headers[':status']);
      outcome = statusFrom(headers);
      if (outcome === undefined && httpStatus === 200) handlers.onOpen?.();
    });
    stream.on('data', (chunk: Buffer) => {
      if (ended) return;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 5) {
        if (pending[0] !== 0) {
          stream.close(constants.NGHTTP2_CANCEL);
          return end(new CallError(GRPC_STATUS.INTERNAL, 'compressed message not asked for', true));
        }
        const length = pending.readUInt32BE(1);
        if (pending.length < 5 + length) break;
        const message = pending.subarray(5, 5 + length);
        pending = pending.subarray(5 + length);
        let decoded: WireMessage;
        try {
          decoded = decodeMessage(types[1], message);
        } catch (err) {
          stream.close(constants.NGHTTP2_CANCEL);
          return end(
            new CallError(GRPC_STATUS.INTERNAL, `cannot decode a message: ${(err as Error).message}`, true),
          );
        }
        handlers.onMessage(decoded);
        if (ended) return;
      }
    });
    stream.on('trailers', (headers) => {
      outcome = statusFrom(headers) ?? outcome;
    });
    stream.on('error', (err) => {
      streamError = err;
    });
    stream.on('close', () => {
      untrack();
      if (outcome instanceof CallError) return end(outcome);
      if (outcome === 'ok') return end(undefined);
      if (httpStatus !== 0) {
        // Cut off mid-stream without a gRPC status: the connection broke (a server crash, a network
        // failure). Whatever arrived was whole messages; the caller resumes after them.
        const reason = this.sessionError?.message ?? 'the stream broke off without a status';
        return end(new CallError(GRPC_STATUS.UNAVAILABLE, reason, false));
      }
      const cause = (streamError?.cause as Error | undefined) ?? this.sessionError ?? streamError;
      const reason = cause?.message ?? 'connection closed before the server answered';
      const refused = stream.rstCode === constants.NGHTTP2_REFUSED_STREAM;
      end(
        new CallError(GRPC_STATUS.UNAVAILABLE, reason, false, {}, connectedSessions.has(session) && !refused),
      );
    });
    stream.end(body);
    return {
      cancel: () => {
        ended = true;
        untrack();
        stream.close(constants.NGHTTP2_CANCEL);
      },
      pause: () => stream.pause(),
      resume: () => stream.resume(),
    };
  }

  /** Calls `SERVICE/METHOD` of kvstore.v1 with `request`; rejects with a {@link CallError}. */
  call(method: string, request: WireMessage, deadline: Date): Promise<WireMessage> {
    const types = WIRE_DESCRIPTOR.methods[method];
    if (!types) return Promise.reject(new Error(`unknown method ${method}`));
    const body = frame(encodeMessage(types[0], request));
    const timeoutMs = Math.max(1, deadline.getTime() - Date.now());
    return new Promise((resolve, reject) => {
      let stream: ClientHttp2Stream;
      try {
        stream = this.open().request({
          ':method': 'POST',
          ':path': `/kvstore.v1.${method}`,
          'content-type': 'application/grpc',
          te: 'trailers',
          // At most 8 digits (gRPC over HTTP/2): milliseconds up to ~27 hours, whole seconds beyond.
          'grpc-timeout': timeoutMs < 1e8 ? `${timeoutMs}m` : `${Math.ceil(timeoutMs / 1000)}S`,
          'grpc-accept-encoding': 'identity',
          ...this.headers,
        });
      } catch (err) {
        reject(new CallError(GRPC_STATUS.UNAVAILABLE, (err as Error).message, false, {}, false));
        return;
      }
      let settled = false;
      const untrack = this.track(this.session!);
      const settle = (result: CallError | WireMessage) => {
        if (settled) return;
        settled = true;
        untrack();
        clearTimeout(timer);
        if (result instanceof CallError) reject(result);
        else resolve(result);
      };
      const timer = setTimeout(() => {
        stream.close(constants.NGHTTP2_CANCEL);
        settle(new CallError(GRPC_STATUS.DEADLINE_EXCEEDED, 'deadline exceeded', false));
      }, timeoutMs);
      this.collect(stream, types[1], settle, this.session!);
      stream.end(body);
    });
  }

  /** Gathers the response of `stream` and settles with the decoded message or a {@link CallError}. */
  private collect(
    stream: ClientHttp2Stream,
    responseType: string,
    settle: (result: CallError | WireMessage) => void,
    session: ClientHttp2Session,
  ): void {
    const chunks: Buffer[] = [];
    let outcome: CallError | 'ok' | undefined;
    let httpStatus = 0;
    let streamError: Error | undefined;
    stream.on('response', (headers) => {
      httpStatus = Number(headers[':status']);
      outcome = statusFrom(headers);
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('trailers', (headers) => {
      outcome = statusFrom(headers) ?? outcome;
    });
    stream.on('error', (err) => {
      // Reported on 'close' with what is known by then (the session's error is the cause).
      streamError = err;
    });
    stream.on('close', () => {
      if (outcome instanceof CallError) return settle(outcome);
      if (outcome === 'ok') return settle(decodeResponse(responseType, chunks));
      if (httpStatus !== 0 && httpStatus !== 200) {
        return settle(
          new CallError(GRPC_STATUS.UNKNOWN, `HTTP status ${httpStatus} without a gRPC status`, true),
        );
      }
      if (httpStatus !== 0) {
        return settle(new CallError(resetStatus(stream.rstCode ?? 0), 'stream ended without a status', true));
      }
      // No response at all: the connection failed or was closed before the server answered.
      const cause = (streamError?.cause as Error | undefined) ?? this.sessionError ?? streamError;
      const reason = cause?.message ?? 'connection closed before the server answered';
      // Never connected, or refused before the server read it: the request did not reach the server.
      const sent = connectedSessions.has(session) && stream.rstCode !== constants.NGHTTP2_REFUSED_STREAM;
      settle(new CallError(GRPC_STATUS.UNAVAILABLE, reason, false, {}, sent));
    });
  }

  /** Closes the connection (calls in flight end with UNAVAILABLE). */
  close(): void {
    this.session?.close();
  }
}
