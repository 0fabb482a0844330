import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { Metadata } from '@grpc/grpc-js';

/**
 * gzip for large responses, negotiated as gRPC clients expect (ADR 0002). grpc-js decompresses requests
 * but never compresses responses (server-interceptors.js: "response compression is currently not
 * supported"). For a call whose client sent `grpc-accept-encoding` with gzip, this answers with the
 * `grpc-encoding: gzip` header and gzips each message of at least `minBytes` (setting the message's
 * compressed flag); smaller messages go uncompressed, which the protocol allows message by message.
 *
 * It wraps grpc-js's `getServerInterceptingCall`, the one place that sees the request headers, and
 * adjusts the call it creates. If a grpc-js upgrade changes those internals, `install` reports false
 * and responses stay uncompressed (the compression test then fails, so the change cannot go unnoticed).
 */

interface BaseCall {
  handler: { serialize(value: unknown): Buffer };
  metadataSent: boolean;
  serializeMessage(value: unknown): Buffer;
  sendMetadata(metadata?: Metadata): void;
}

interface InterceptorsModule {
  getServerInterceptingCall: (...args: unknown[]) => unknown;
  BaseServerInterceptingCall: new (...args: unknown[]) => BaseCall;
}

let installed: { minBytes: number; level: number } | null = null;

/** Enables response compression process-wide; returns false when grpc-js's internals are not as expected. */
export function installResponseCompression(minBytes: number, level = 1): boolean {
  if (installed) {
    installed = { minBytes, level };
    return true;
  }
  const require = createRequire(import.meta.url);
  let mod: InterceptorsModule;
  try {
    mod = require('@grpc/grpc-js/build/src/server-interceptors.js') as InterceptorsModule;
  } catch {
    return false;
  }
  const original = mod.getServerInterceptingCall;
  const proto = mod.BaseServerInterceptingCall?.prototype;
  if (
    typeof original !== 'function' ||
    typeof proto?.serializeMessage !== 'function' ||
    typeof proto.sendMetadata !== 'function'
  ) {
    return false;
  }
  installed = { minBytes, level };
  mod.getServerInterceptingCall = function wrapped(this: unknown, ...args: unknown[]) {
    const call = original.apply(this, args) as BaseCall;
    const headers = args[2] as Record<string, string | string[] | undefined>;
    // Under server interceptors (admission control), grpc-js's own call is at the end of their chain.
    let base: unknown = call;
    for (let i = 0; i < 8 && !(base instanceof mod.BaseServerInterceptingCall) && base; i++) {
      base = (base as { nextCall?: unknown }).nextCall;
    }
    if (
      installed &&
      installed.minBytes > 0 &&
      base instanceof mod.BaseServerInterceptingCall &&
      acceptsGzip(headers)
    ) {
      compressCall(base as BaseCall);
    }
    return call;
  };
  return true;
}

/** How responses are compressed. */
export interface CompressionSettings {
  /** Messages of at least this many bytes are gzipped. */
  readonly minBytes: number;
  /** zlib level. */
  readonly level: number;
}

/** The compression a call with these request headers gets: null when none (off, or not accepted). */
export function responseCompressionFor(
  headers: Record<string, string | string[] | undefined>,
): CompressionSettings | null {
  return installed && installed.minBytes > 0 && acceptsGzip(headers) ? installed : null;
}

/** One gRPC message frame (flag, length, body): gzipped when `settings` say so and it is large enough. */
export function frameResponse(message: Buffer, settings: CompressionSettings | null): Buffer {
  const compress = settings !== null && message.length >= settings.minBytes;
  const body = compress ? gzipSync(message, { level: settings.level }) : message;
  const framed = Buffer.allocUnsafe(body.length + 5);
  framed.writeUInt8(compress ? 1 : 0, 0);
  framed.writeUInt32BE(body.length, 1);
  body.copy(framed, 5);
  return framed;
}

/** Clients send the same few header values over and over: remember the answer per value. */
const acceptsGzipCache = new Map<string, boolean>();

function acceptsGzip(headers: Record<string, string | string[] | undefined>): boolean {
  const value = headers['grpc-accept-encoding'];
  if (value === undefined) return false;
  const text = Array.isArray(value) ? value.join(',') : value;
  let accepted = acceptsGzipCache.get(text);
  if (accepted === undefined) {
    accepted = text.split(',').some((e) => e.trim() === 'gzip');
    if (acceptsGzipCache.size < 64) acceptsGzipCache.set(text, accepted);
  }
  return accepted;
}

function compressCall(call: BaseCall): void {
  const sendMetadata = call.sendMetadata.bind(call);
  call.sendMetadata = (metadata?: Metadata) => {
    // grpc-js hands over a Metadata made for this call (or none): adding to it is safe.
    const md = metadata ?? new Metadata();
    md.set('grpc-encoding', 'gzip');
    sendMetadata(md);
  };
  call.serializeMessage = (value: unknown) => frameResponse(call.handler.serialize(value), installed);
}
