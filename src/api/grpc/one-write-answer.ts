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
 * headers, message and trailers leave in one pass. That reaches two of Node's internals (the stream's native
 * handle and Writable's `_final`), found once and checked; where they are not as expected, or the frame could
 * not be handed on at once, the public path is taken. The stream now closes before the frame's write calls
 * back, so Node builds (and drops) an ERR_STREAM_DESTROYED per answer, about 5 us: ADR 0008's addendum has
 * the measurements, that cost included.
 */

/** The native stream handle's method that submits trailers (Http2Stream::Trailers). */
interface NativeStreamHandle {
  trailers(list: [string, number]): number;
}

/** The parts of Writable's state this reads (Node 20+). */
interface WritableStateView {
  readonly writing?: boolean;
  readonly buffered?: readonly unknown[];
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
  stream.write(frame);
  const state = (stream as unknown as { _writableState?: WritableStateView })._writableState;
  // Only when the frame is with nghttp2 already: shutting the writable side with the frame still in Writable's
  // buffer would end the stream before its message.
  if (state?.writing === true && state.buffered?.length === 0) {
    (stream as unknown as { _final(cb: () => void): void })._final(() => {});
  }
  stream.end();
}

function handleSymbolOf(stream: ServerHttp2Stream): symbol | null {
  if (handleSymbol !== undefined) return handleSymbol;
  const handle = Object.getOwnPropertySymbols(stream).find((s) => s.description === 'kHandle');
  const native = handle ? (stream as unknown as Record<symbol, unknown>)[handle] : undefined;
  const usable =
    handle !== undefined &&
    typeof (native as Partial<NativeStreamHandle> | undefined)?.trailers === 'function' &&
    typeof (stream as unknown as { _final?: unknown })._final === 'function' &&
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
