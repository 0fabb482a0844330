import {
  Metadata,
  type Responder,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';

/** Bounds on the request bytes the server holds at once. */
export interface AdmissionLimits {
  /** All connections together (`limits.maxInflightBytes`). */
  readonly maxInflightBytes: number;
  /** One connection (`limits.maxInflightBytesPerConnection`). */
  readonly maxInflightBytesPerConnection: number;
  /** The largest request the transport reads (grpc.max_receive_message_length). */
  readonly maxRequestBytes: number;
}

/** Request bytes held now, and requests refused so far. */
export interface AdmissionStats {
  readonly inflightBytes: number;
  readonly refused: number;
}

/** An admission controller: the interceptor to install, and its figures. */
export interface Admission {
  readonly interceptor: ServerInterceptor;
  stats(): AdmissionStats;
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
  /** Hears of every refused request (the method's path), e.g. for metrics. */
  onRefused: (path: string, details: string) => void = () => {},
): Admission {
  let total = 0;
  let refused = 0;
  const connections = new Map<string, Connection>();
  const readers = Math.max(1, Math.floor(limits.maxInflightBytesPerConnection / limits.maxRequestBytes));

  const canRead = (conn: Connection) => conn.reading < readers && total < limits.maxInflightBytes;
  const pump = () => {
    for (const conn of connections.values()) {
      while (conn.waiting.length > 0 && canRead(conn)) conn.waiting.shift()!();
    }
  };

  const interceptor: ServerInterceptor = (method, call) => {
    // Streams (Watch, Backup) carry one small request and are left as grpc-js made them: the watch
    // fan-out writes straight to their HTTP/2 stream.
    if (method.requestStream || method.responseStream) return call as ServerInterceptingCall;
    const peer = call.getPeer();
    let conn = connections.get(peer);
    if (!conn) {
      conn = { held: 0, reading: 0, waiting: [] };
      connections.set(peer, conn);
    }
    const own = conn;
    let phase: 'new' | 'waiting' | 'reading' | 'read' | 'done' = 'new';
    let held = 0;
    let startReading: (() => void) | null = null;

    const stopReading = () => {
      if (phase !== 'reading') return;
      own.reading--;
      phase = 'read';
      pump();
    };
    const end = () => {
      if (phase === 'done') return;
      stopReading();
      if (phase === 'waiting' && startReading) own.waiting.splice(own.waiting.indexOf(startReading), 1);
      phase = 'done';
      total -= held;
      own.held -= held;
      held = 0;
      if (own.held === 0 && own.reading === 0 && own.waiting.length === 0) connections.delete(peer);
      pump();
    };
    const refuse = (perConnection: boolean) => {
      refused++;
      const details = refusal(limits, perConnection, perConnection ? own.held : total);
      onRefused(method.path, details);
      end();
      call.sendStatus({ code: status.RESOURCE_EXHAUSTED, details, metadata: new Metadata() });
    };

    const responder: Responder = {
      start(next) {
        next({
          onReceiveMessage(message, forward) {
            stopReading();
            if (phase === 'done') return;
            const bytes = requestBytes(message);
            if (own.held > 0 && own.held + bytes > limits.maxInflightBytesPerConnection) return refuse(true);
            if (total > 0 && total + bytes > limits.maxInflightBytes) return refuse(false);
            held += bytes;
            own.held += bytes;
            total += bytes;
            forward(message);
          },
          onReceiveHalfClose(forward) {
            // A refused call is over: its handler must not run without its request.
            if (phase !== 'done') forward();
          },
          onCancel() {
            end();
          },
        });
      },
      sendStatus(callStatus, next) {
        end();
        next(callStatus);
      },
    };
    return new GatedCall(call, responder, (read) => {
      if (phase !== 'new') return read(); // the reads after the request (its half-close) are not gated
      startReading = () => {
        phase = 'reading';
        own.reading++;
        read();
      };
      if (canRead(own)) startReading();
      else {
        phase = 'waiting';
        own.waiting.push(startReading);
      }
    });
  };
  return { interceptor, stats: () => ({ inflightBytes: total, refused }) };
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
