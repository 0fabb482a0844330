import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Fills `into[at..at+max)` with the next bytes of a stream; resolves with how many (0 at the end). */
export type ByteSource = (into: Buffer, at: number, max: number) => Promise<number>;

/** A {@link ByteSource} over an open file, from its start. */
export function fileSource(file: FileHandle): ByteSource {
  let position = 0;
  return async (into, at, max) => {
    const { bytesRead } = await file.read(into, at, max, position);
    position += bytesRead;
    return bytesRead;
  };
}

/** A {@link ByteSource} over chunks as they arrive (a network stream, a file read stream). */
export function chunkSource(chunks: AsyncIterable<Uint8Array>): ByteSource {
  const iterator = chunks[Symbol.asyncIterator]();
  let current: Uint8Array = new Uint8Array(0);
  let used = 0;
  return async (into, at, max) => {
    while (used === current.length) {
      const next = await iterator.next();
      if (next.done) return 0;
      current = next.value;
      used = 0;
    }
    const n = Math.min(max, current.length - used);
    into.set(current.subarray(used, used + n), at);
    used += n;
    return n;
  };
}

/**
 * Sequential reader of a file format made of length-prefixed parts (checkpoints, backups). It hashes what
 * it hands out (SHA-256, for a trailing checksum), knows the byte offset of everything it hands out (for
 * errors a person can act on), and reads into one reusable buffer: a fresh allocation per read would
 * leave tens of MB of freed-but-kept heap in the allocator after loading a large file.
 */
export class ByteReader {
  private buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  private start = 0;
  private end = 0;
  /** Offset in the stream of `buffer[end]`. */
  private streamOffset = 0;
  private eof = false;
  private readonly hash: Hash = createHash('sha256');

  /** `truncated` builds the error thrown when the stream ends at `offset` before `needed` more bytes. */
  constructor(
    private readonly source: ByteSource,
    private readonly truncated: (offset: number, needed: number) => Error,
  ) {}

  /** Offset in the stream of the next byte {@link take} returns. */
  get offset(): number {
    return this.streamOffset - (this.end - this.start);
  }

  /** SHA-256 of everything taken with hashing on (call once). */
  digest(): Buffer {
    return this.hash.digest();
  }

  /** True when the stream has no byte left. */
  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.end === this.start;
  }

  /** The next `n` bytes, as a view valid until the next call. */
  async take(n: number, hashed = true): Promise<Buffer> {
    await this.fill(n);
    if (this.end - this.start < n) throw this.truncated(this.offset, n);
    const out = this.buffer.subarray(this.start, this.start + n);
    this.start += n;
    if (hashed) this.hash.update(out);
    return out;
  }

  private async fill(n: number): Promise<void> {
    if (this.end - this.start >= n || this.eof) return;
    // Move what is left to the front (growing the buffer only for a part larger than it), then read on.
    const left = this.end - this.start;
    if (n > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(n);
      this.buffer.copy(bigger, 0, this.start, this.end);
      this.buffer = bigger;
    } else {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
    }
    this.start = 0;
    this.end = left;
    while (!this.eof && this.end < n) {
      const got = await this.source(this.buffer, this.end, this.buffer.length - this.end);
      if (got === 0) this.eof = true;
      this.streamOffset += got;
      this.end += got;
    }
  }
}
