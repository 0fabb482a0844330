import { readFile } from 'node:fs/promises';
import { type ClientHttp2Session, type ClientHttp2Stream, connect } from 'node:http2';
import type { WatchRequest } from '../../src/api/generated/kvstore/v1/WatchRequest.js';
import type { WatchResponse__Output } from '../../src/api/generated/kvstore/v1/WatchResponse.js';
import { kvstoreV1 } from '../../src/api/proto.js';

const watchMethod = kvstoreV1.KV.service.Watch;

/**
 * A Watch call over a bare HTTP/2 session that reads nothing until told to: with the stream paused, Node
 * sends no WINDOW_UPDATE, so the server's writes stop reaching the socket (a client that stopped reading,
 * as far as the server can tell).
 */
export interface RawWatch {
  /** Starts reading: every message from now on is decoded into {@link messages}. */
  resume(): void;
  readonly messages: WatchResponse__Output[];
  /** Set when the call ended, with its grpc-status. */
  readonly ended: () => string | null;
  close(): void;
}

/** Opens a Watch on its own HTTP/2 connection, paused. */
export function rawWatch(addr: string, request: WatchRequest): RawWatch {
  // Large windows, so that reading it all back is quick once it reads; paused, it still reads nothing.
  const session: ClientHttp2Session = connect(`http://${addr}`, {
    settings: { initialWindowSize: 4 * 1024 * 1024 },
  });
  session.on('error', () => {});
  session.on('connect', () => session.setLocalWindowSize(64 * 1024 * 1024));
  const stream: ClientHttp2Stream = session.request({
    ':method': 'POST',
    ':path': '/kvstore.v1.KV/Watch',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('error', () => {});
  const body = watchMethod.requestSerialize(request);
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  stream.end(frame);
  stream.pause();

  const messages: WatchResponse__Output[] = [];
  // Chunks are kept apart until a whole message is there (joining on every chunk would be quadratic).
  let chunks: Buffer[] = [];
  let buffered = 0;
  let status: string | null = null;
  stream.on('trailers', (trailers) => {
    status = String(trailers['grpc-status'] ?? '');
  });
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (buffered < 5) return;
      if (chunks[0]!.length < 5) chunks = [Buffer.concat(chunks)];
      const length = chunks[0]!.readUInt32BE(1);
      if (buffered < 5 + length) return;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      messages.push(watchMethod.responseDeserialize(all.subarray(5, 5 + length)) as WatchResponse__Output);
      const rest = all.subarray(5 + length);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
    }
  });
  return {
    resume: () => stream.resume(),
    messages,
    ended: () => status,
    close() {
      stream.close();
      session.close();
    },
  };
}

/** Resident set size of a process, from /proc. */
export async function rssBytes(pid: number): Promise<number> {
  const statusFile = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(statusFile)![1]) * 1024;
}
