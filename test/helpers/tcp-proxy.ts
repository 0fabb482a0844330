import net from 'node:net';

/**
 * A loopback TCP proxy in front of a real server. `freeze()` is a network partition or a frozen server
 * host: connections stay open (and new ones are accepted), but no byte passes either way until `thaw()`,
 * when what was held is delivered, as TCP does once a partition heals.
 */
export interface TcpProxy {
  readonly port: number;
  freeze(): void;
  thaw(): void;
  /** Freezes right after forwarding the next client-to-server chunk that contains `bytes` (it gets through). */
  freezeAfter(bytes: Buffer): void;
  /**
   * A load balancer in front of a dead server: every open connection is reset, and until `blackhole(false)`
   * new ones are accepted but never answered, not even after (they stay dead, as behind a balancer that
   * lost its backend connection and keeps the client's).
   */
  blackhole(on: boolean): void;
  /** Connections accepted into the black hole so far (still open, never answered). */
  swallowed(): number;
  /** Connections open through the proxy now. */
  connections(): number;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards to `host:port`. */
export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  let frozen = false;
  let trigger: Buffer | null = null;
  let dark = false;
  const sockets = new Set<net.Socket>();
  const swallowed = new Set<net.Socket>();
  const freeze = (): void => {
    frozen = true;
    for (const s of sockets) s.pause();
  };
  const forward = (from: net.Socket, to: net.Socket, upstream: boolean): void => {
    from.on('data', (chunk: Buffer) => {
      const last = upstream && trigger !== null && chunk.includes(trigger);
      if (last) trigger = null;
      const flushed = to.write(chunk);
      if (last) freeze();
      // Backpressure: a slow side pauses the other; a freeze during the wait keeps it paused.
      else if (!flushed) {
        from.pause();
        to.once('drain', () => {
          if (!frozen) from.resume();
        });
      }
    });
  };
  const track = (socket: net.Socket, other: () => net.Socket): void => {
    sockets.add(socket);
    if (frozen) socket.pause();
    // A side that closes or breaks takes the other with it, dropping what was held (the peer is gone).
    socket.on('error', () => other().destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      other().destroy();
    });
  };
  const server = net.createServer((client) => {
    if (dark) {
      swallowed.add(client);
      client.on('error', () => {});
      client.on('close', () => swallowed.delete(client));
      return;
    }
    const upstream = net.connect(port, host);
    track(client, () => upstream);
    track(upstream, () => client);
    forward(client, upstream, true);
    forward(upstream, client, false);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze,
    freezeAfter(bytes) {
      trigger = bytes;
    },
    thaw() {
      frozen = false;
      for (const s of sockets) s.resume();
    },
    blackhole(on) {
      dark = on;
      if (on) for (const s of sockets) s.resetAndDestroy();
    },
    swallowed: () => swallowed.size,
    connections: () => sockets.size / 2,
    async close() {
      for (const s of [...sockets, ...swallowed]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
