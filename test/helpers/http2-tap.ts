import net from 'node:net';

/** One HTTP/2 frame a server sent, and which of its socket reads completed it. */
export interface TappedFrame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  /** Index of the chunk read from the server that held the frame's last byte. */
  readonly chunk: number;
}

/** A loopback proxy that records what a server sends, frame by frame, with the read each arrived in. */
export interface Http2Tap {
  readonly addr: string;
  /** The server's frames so far (the connection preface's SETTINGS included). */
  frames(): TappedFrame[];
  close(): Promise<void>;
}

export const FRAME_DATA = 0x0;
export const FRAME_HEADERS = 0x1;
export const FLAG_END_STREAM = 0x1;

/** Starts a tap in front of `addr` (host:port). One write of the server's arrives as one read on loopback. */
export async function http2Tap(addr: string): Promise<Http2Tap> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  const frames: TappedFrame[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    let pending = Buffer.alloc(0);
    let chunk = 0;
    upstream.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) break;
        frames.push({
          type: pending[3]!,
          flags: pending[4]!,
          stream: pending.readUInt32BE(5) & 0x7fffffff,
          chunk,
        });
        pending = pending.subarray(9 + length);
      }
      chunk++;
      client.write(data);
    });
    client.on('data', (data: Buffer) => upstream.write(data));
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(socket);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        sockets.delete(socket);
        other.destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    addr: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    frames: () => [...frames],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
