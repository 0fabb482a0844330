import {
  Metadata,
  type Responder,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';
import type { MetadataCheck } from './auth-interceptor.js';
import { refuseCall } from './status-errors.js';

/** Bounds on the request bytes the server holds at once. */
export interface AdmissionLimits {
  /** All connections together (`limits.maxInflightBytes`). */
  readonly maxInflightBytes: number;
  /** One connection (`limits.maxInflightBytesPerConnection`). */
  readonly maxInflightBytesPerConnection: number;
  /** The largest request the transport reads (grpc.max_receive_message_length). */
  readonly maxRequestBytes: number;
}

/**
 * Checks that run inside admission's own layer for the unary calls it wraps, so that a unary call crosses one
 * interceptor layer however many of these are on (each layer is a grpc-js call object, a listener and a
 * responder per call: a measurable share of a Get's CPU, docs/security.md#cost-of-the-gate). The server
 * installs the same checks as interceptors of their own for the streaming calls admission leaves alone.
 */
export interface UnaryChecks {
  /** On the call's metadata, before its request is read: the gate's credential check. */
  readonly metadata?: MetadataCheck;
  /** On the request once admitted (its metadata as the checks above forwarded it): a refusal, or null. */
  readonly request?: RequestCheck;
}

/** A check of an admitted request, e.g. its principal's rate limit. */
export interface RequestCheck {
  /** The error to answer the call with (mapped by toRpcError), or null to let it through. */
  check(metadata: Metadata, bytes: number): unknown;
  /** Hears of each refusal (the method's path and the details sent). */
  readonly onRefused: (path: string, details: string) => void;
}

/** Request bytes held now, and requests refused so far. */
export interface AdmissionStats {
  readonly inflightBytes: number;
  readonly refused: number;
}

/** One unary call's way through admission, for a transport that reads the request itself. */
export interface UnaryAdmission {
  /** Runs `read` when the call may start reading its request (at once, or when its turn comes). */
  gate(read: () => void): void;
  /** Holds the decoded request's bytes and calls `admit`, or refuses the call (see {@link Admission.unary}). */
  received(message: unknown, admit: (bytes: number) => void): void;
  /** The call is over (answered, failed or cancelled): its bytes are released. */
  end(): void;
}

/** An admission controller: the interceptor to install, and its figures. */
export interface Admission {
  readonly interceptor: ServerInterceptor;
  /** True when the gate also checks credentials or rate limits (only its interceptor runs those). */
  readonly checksCalls: boolean;
  /**
   * The same admission as the interceptor's, for a unary call served without grpc-js's call objects
   * (fast-unary.ts): `refuse` answers the call RESOURCE_EXHAUSTED with the details given.
   */
  unary(peer: string, path: string, refuse: (details: string) => void): UnaryAdmission;
  stats(): AdmissionStats;
  /**
   * For other transports (the HTTP API): holds `bytes` of a request against `limits.maxInflightBytes`,
   * shared with gRPC, until `release` (once its answer is sent). A request is always admitted when the server
   * holds nothing else; otherwise one that would take it over the limit gets `refused` with the reason.
   */
  hold(bytes: number): { readonly release: () => void } | { readonly refused: string };
}

/** One client connection's share. */
interface Connection {
  held: number;
  /** Calls whose request is being received. */
  reading: number;
  /** Calls waiting to be read, in arrival order. */
  readonly waiting: (() => void)[];
}

/**
 * Admission control on request bytes in flight (received, not yet answered), in two steps:
 *
 * - Reading: a connection has at most `maxInflightBytesPerConnection / maxRequestBytes` requests being
 *   received at once (so even requests of the largest size stay within its limit), and none start while the
 *   server is over `maxInflightBytes`. The others are not read yet: their HTTP/2 streams stay paused, so flow
 *   control holds the sender (a stream window, 64 KiB, is all that can arrive meanwhile).
 * - Holding: a request that has arrived is counted until its call ends (answered, failed or cancelled). One
 *   that would take its connection over `maxInflightBytesPerConnection`, or the server over
 *   `maxInflightBytes`, is answered RESOURCE_EXHAUSTED at once, naming the limit, and dropped. A request
 *   is always admitted when nothing else is held for its connection and the server is under its limit.
 *
 * Unary calls only: Watch and Backup carry one small request each. Connections are told apart by their peer
 * address (host and port).
 */
export function admission(
  limits: AdmissionLimits,
  /** Hears of every refused request (the method's path and the details sent), e.g. for metrics. */
  onRefused: (path: string, details: string) => void = () => {},
  checks: UnaryChecks = {},
): Admission {
  const state = new AdmissionState(limits, onRefused);
  const { metadata: metadataCheck, request: requestCheck } = checks;
  const interceptor: ServerInterceptor = (method, call) => {
    // Streams (Watch, Backup) carry one small request and are left as grpc-js made them: the watch
    // fan-out writes straight to their HTTP/2 stream.
    if (!isUnary(method)) return call as ServerInterceptingCall;
    const admitted = new AdmittedCall(state, call.getPeer(), method.path, (details) =>
      call.sendStatus({ code: status.RESOURCE_EXHAUSTED, details, metadata: new Metadata() }),
    );
    let forwarded: Metadata | null = null;
    const responder: Responder = {
      start(next) {
        next({
          onReceiveMetadata:
            metadataCheck || requestCheck
              ? (metadata, forward) => {
                  const pass = (checked: Metadata) => {
                    forwarded = checked;
                    forward(checked);
                  };
                  if (metadataCheck)
                    metadataCheck(method.path, call, metadata, pass, (answer) => gated.sendStatus(answer));
                  else pass(metadata);
                }
              : undefined,
          onReceiveMessage: (message, forward) =>
            admitted.received(message, (bytes) => {
              const refusal = requestCheck && forwarded ? requestCheck.check(forwarded, bytes) : null;
              if (refusal === null) forward(message);
              else refuseCall(gated, method.path, refusal, requestCheck!.onRefused);
            }),
          // A refused call is over: its handler must not run without its request.
          onReceiveHalfClose: (forward) => admitted.halfClosed(forward),
          onCancel: () => admitted.end(),
        });
      },
      sendStatus(callStatus, next) {
        admitted.end();
        next(callStatus);
      },
    };
    const gated = new GatedCall(call, responder, (read) => admitted.gate(read));
    return gated;
  };
  return {
    interceptor,
    checksCalls: metadataCheck !== undefined || requestCheck !== undefined,
    unary: (peer, path, refuse) => new AdmittedCall(state, peer, path, refuse),
    stats: () => ({ inflightBytes: state.total, refused: state.refused }),
    hold(bytes) {
      if (state.total > 0 && state.total + bytes > limits.maxInflightBytes) {
        state.refused++;
        return { refused: refusal(limits, false, state.total) };
      }
      state.total += bytes;
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          state.total -= bytes;
          state.pump();
        },
      };
    },
  };
}

/** What every call shares: the bytes held, each connection's share, and who may be read next. */
class AdmissionState {
  total = 0;
  refused = 0;
  private readonly connections = new Map<string, Connection>();
  /** Connections with calls waiting to be read: all {@link pump} has to look at (usually none). */
  private readonly blocked = new Set<Connection>();
  /** Requests one connection may have being received at once: even the largest stay within its limit. */
  private readonly readers: number;

  constructor(
    readonly limits: AdmissionLimits,
    readonly onRefused: (path: string, details: string) => void,
  ) {
    this.readers = Math.max(1, Math.floor(limits.maxInflightBytesPerConnection / limits.maxRequestBytes));
  }

  connection(peer: string): Connection {
    let conn = this.connections.get(peer);
    if (!conn) {
      conn = { held: 0, reading: 0, waiting: [] };
      this.connections.set(peer, conn);
    }
    return conn;
  }

  canRead(conn: Connection): boolean {
    return conn.reading < this.readers && this.total < this.limits.maxInflightBytes;
  }

  /** Queues a call's read on its connection until {@link pump} finds room for it. */
  wait(conn: Connection, startReading: () => void): void {
    conn.waiting.push(startReading);
    this.blocked.add(conn);
  }

  /** Takes a queued read back (its call ended before its turn). */
  unwait(conn: Connection, startReading: () => void): void {
    const at = conn.waiting.indexOf(startReading);
    if (at >= 0) conn.waiting.splice(at, 1);
    if (conn.waiting.length === 0) this.blocked.delete(conn);
  }

  /** Starts reading the waiting calls that may now be read; forgets a connection with nothing left. */
  pump(peer?: string): void {
    if (peer !== undefined) {
      const conn = this.connections.get(peer);
      if (conn && conn.held === 0 && conn.reading === 0 && conn.waiting.length === 0)
        this.connections.delete(peer);
    }
    for (const conn of this.blocked) {
      while (conn.waiting.length > 0 && this.canRead(conn)) conn.waiting.shift()!();
      if (conn.waiting.length === 0) this.blocked.delete(conn);
    }
  }
}

/** One unary call's way through admission: new, waiting to be read, reading, holding its request, done. */
class AdmittedCall implements UnaryAdmission {
  private phase: 'new' | 'waiting' | 'reading' | 'read' | 'done' = 'new';
  private held = 0;
  private startReading: (() => void) | null = null;
  private readonly conn: Connection;

  constructor(
    private readonly state: AdmissionState,
    private readonly peer: string,
    private readonly path: string,
    /** Answers the call RESOURCE_EXHAUSTED with these details. */
    private readonly refuseWith: (details: string) => void,
  ) {
    this.conn = state.connection(peer);
  }

  /** grpc-js asks to read: the request's read waits its turn; the reads after it (half-close) do not. */
  gate(read: () => void): void {
    if (this.phase !== 'new') {
      read();
      return;
    }
    this.startReading = () => {
      this.phase = 'reading';
      this.conn.reading++;
      read();
    };
    if (this.state.canRead(this.conn)) this.startReading();
    else {
      this.phase = 'waiting';
      this.state.wait(this.conn, this.startReading);
    }
  }

  /** Holds the request's bytes, or refuses it; `admit` hears the bytes of a request held. */
  received(message: unknown, admit: (bytes: number) => void): void {
    this.stopReading();
    if (this.phase === 'done') return;
    const { limits } = this.state;
    const bytes = requestBytes(message);
    // A request alone on its connection, on a server under its limit, is always admitted.
    const overConnection =
      this.conn.held > 0 && this.conn.held + bytes > limits.maxInflightBytesPerConnection;
    const overServer = this.state.total > 0 && this.state.total + bytes > limits.maxInflightBytes;
    if (overConnection || overServer) {
      this.refuse(overConnection);
      return;
    }
    this.held += bytes;
    this.conn.held += bytes;
    this.state.total += bytes;
    admit(bytes);
  }

  halfClosed(forward: () => void): void {
    if (this.phase !== 'done') forward();
  }

  /** The call is over (answered, failed or cancelled): its bytes are released. */
  end(): void {
    if (this.phase === 'done') return;
    this.stopReading();
    if (this.phase === 'waiting' && this.startReading) this.state.unwait(this.conn, this.startReading);
    this.phase = 'done';
    this.state.total -= this.held;
    this.conn.held -= this.held;
    this.held = 0;
    this.state.pump(this.peer);
  }

  private stopReading(): void {
    if (this.phase !== 'reading') return;
    this.conn.reading--;
    this.phase = 'read';
    this.state.pump();
  }

  private refuse(perConnection: boolean): void {
    this.state.refused++;
    const held = perConnection ? this.conn.held : this.state.total;
    const details = refusal(this.state.limits, perConnection, held);
    this.state.onRefused(this.path, details);
    this.end();
    this.refuseWith(details);
  }
}

/** A call whose reads go through `gate` (grpc-js reads a request only when startRead is called). */
class GatedCall extends ServerInterceptingCall {
  constructor(
    next: ServerInterceptingCallInterface,
    responder: Responder,
    private readonly gate: (read: () => void) => void,
  ) {
    super(next, responder);
  }

  override startRead(): void {
    this.gate(() => super.startRead());
  }
}

/** The calls admission wraps: one request, one answer. */
export function isUnary(method: {
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}): boolean {
  return !method.requestStream && !method.responseStream;
}

function refusal(limits: AdmissionLimits, perConnection: boolean, held: number): string {
  const [setting, limit] = perConnection
    ? ['limits.maxInflightBytesPerConnection', limits.maxInflightBytesPerConnection]
    : ['limits.maxInflightBytes', limits.maxInflightBytes];
  return (
    `${setting}: ${perConnection ? 'this connection has' : 'the server has'} ${mib(held)} of requests in ` +
    `flight and the limit is ${mib(limit)}; retry once earlier requests have been answered (back off)`
  );
}

/**
 * The bytes a decoded request holds: its byte and string fields, however deeply nested (a SetMany's
 * items, a Txn's operations), plus a few bytes per field. Close to its size on the wire.
 */
export function requestBytes(message: unknown, depth = 0): number {
  if (message === null || message === undefined || depth > 8) return 0;
  if (typeof message === 'string') return message.length;
  if (message instanceof Uint8Array) return message.byteLength;
  if (typeof message !== 'object') return 8;
  let bytes = 0;
  if (Array.isArray(message)) {
    for (const item of message) bytes += requestBytes(item, depth + 1);
    return bytes;
  }
  for (const value of Object.values(message)) bytes += 2 + requestBytes(value, depth + 1);
  return bytes;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;
}
