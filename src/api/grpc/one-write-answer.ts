import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';

/**
 * A unary answer's message and its status (the trailers) in one socket write.
 *
 * Through Node's public API they take two: `end(frame)` shuts the stream's writable side only after the frame's
 * write has completed, so the DATA frame leaves without its end, and `sendTrailers` defers the trailers to a
 * `setImmediate` "so we don't do it on nghttp2 stack" (lib/internal/http2/core.js). The client wakes for each
 * write and finishes the call only at the second, a turn of the server's event loop later. Here the writable
 * side is shut as soon as the frame is queued, and the trailers are submitted from inside nghttp2's data
 * callback, which nghttp2 allows ("nghttp2_submit_trailer() can be called inside this callback", nghttp2.h):
 * headers, message and trailers leave in one pass. That reaches Node's internals (the stream's native handle,
 * and the `_write` and `_final` that Writable would call), found once and checked; where they are not as
 * expected, or Writable holds data already, the public path is taken. The stream closes before the frame's
 * write calls back: through Writable, that completion would meet a destroyed stream and build an
 * ERR_STREAM_DESTROYED nobody receives (5 to 15 us per answer), which the direct `_write` avoids. ADR 0008's
 * addendum has the measurements.
 */

/** The native stream handle's method that submits trailers (Http2Stream::Trailers). */
interface NativeStreamHandle {
  trailers(list: [string, number]): number;
}

/** The parts of Writable's state this reads (Node 20+). */
interface WritableStateView {
  readonly writing?: boolean;
  readonly buffered?: readonly unknown[];
  readonly length?: number;
  readonly ending?: boolean;
  readonly corked?: number;
}

/** The stream's implementation methods that Writable calls; called here directly (see {@link endWithTrailers}). */
interface StreamImplementation {
  _write(chunk: Buffer, encoding: string, callback: (err?: Error | null) => void): void;
  _final(callback: () => void): void;
}

/** The symbol of a stream's native handle (Node's private `kHandle`); null when Node has none usable. */
let handleSymbol: symbol | null | undefined;
/** The last trailers packed, and their list: answers share one frozen OK status, packed once. */
let packedFor: OutgoingHttpHeaders | undefined;
let packed: [string, number] | null = null;

/** Sends `frame` (a framed gRPC message) and then `trailers`, ending the stream; headers are already sent. */
export function endWithTrailers(
  stream: ServerHttp2Stream,
  frame: Buffer,
  trailers: OutgoingHttpHeaders,
): void {
  const handle = handleSymbolOf(stream);
  const list = handle ? packedList(trailers) : null;
  if (!handle || !list) {
    stream.once('wantTrailers', () => stream.sendTrailers(trailers));
    stream.end(frame);
    return;
  }
  stream.once('wantTrailers', () => {
    const native = (stream as unknown as Record<symbol, NativeStreamHandle | undefined>)[handle];
    if (!native) return; // destroyed meanwhile: nothing is sent any more
    const code = native.trailers(list);
    if (code < 0) stream.destroy(new Error(`nghttp2 refused the trailers (error ${code})`));
  });
  const state = (stream as unknown as { _writableState?: WritableStateView })._writableState;
  const implementation = stream as unknown as StreamImplementation;
  if (isIdle(state)) {
    // Past Writable, which holds nothing to order it after: the write's outcome is the stream's own (a failed
    // write destroys it), and its completion, after the stream has closed, costs nothing.
    implementation._write(frame, 'buffer', ignore);
    implementation._final(ignore);
  } else {
    // Something is queued before it (not so for a unary answer): Node's public path, one write more.
    stream.write(frame);
  }
  stream.end();
}

function isIdle(state: WritableStateView | undefined): boolean {
  return (
    state !== undefined &&
    state.writing === false &&
    state.buffered?.length === 0 &&
    state.length === 0 &&
    state.ending === false &&
    state.corked === 0
  );
}

function ignore(): void {}

function handleSymbolOf(stream: ServerHttp2Stream): symbol | null {
  if (handleSymbol !== undefined) return handleSymbol;
  const handle = Object.getOwnPropertySymbols(stream).find((s) => s.description === 'kHandle');
  const native = handle ? (stream as unknown as Record<symbol, unknown>)[handle] : undefined;
  const usable =
    handle !== undefined &&
    typeof (native as Partial<NativeStreamHandle> | undefined)?.trailers === 'function' &&
    typeof (stream as unknown as { _final?: unknown })._final === 'function' &&
    typeof (stream as unknown as { _write?: unknown })._write === 'function' &&
    typeof (stream as unknown as { _writableState?: unknown })._writableState === 'object';
  handleSymbol = usable ? handle : null;
  return handleSymbol;
}

function packedList(trailers: OutgoingHttpHeaders): [string, number] | null {
  if (trailers !== packedFor || !Object.isFrozen(trailers)) {
    packedFor = trailers;
    packed = headerList(trailers);
  }
  return packed;
}

/**
 * Node's packed header list (`name\0value\0flags` per field, and their count), as `mapToHeaders` builds it;
 * null for anything it would check and refuse (pseudo-headers, spaces in names, NUL, CR or LF), which then takes
 * the public path.
 */
function headerList(headers: OutgoingHttpHeaders): [string, number] | null {
  let packed = '';
  let count = 0;
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const key = name.toLowerCase();
    if (key === '' || key.startsWith(':') || key.includes(' ') || UNSAFE.test(key)) return null;
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      const value = String(item);
      if (UNSAFE.test(value)) return null;
      packed += `${key}\0${value}\0\0`;
      count++;
    }
  }
  return [packed, count];
}

const UNSAFE = /[\0\r\n]/;
