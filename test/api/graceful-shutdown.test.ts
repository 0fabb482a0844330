import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf, SERVER_EXT } from '../helpers/certs.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const GOAWAY = 7;

/**
 * An HTTP/2 connection that, like grpcio's (C-core) clients, does not close its side when the server says
 * GOAWAY and ends its side: it sends the preface and its settings, then only reads.
 */
class LingeringConnection {
  private received = Buffer.alloc(0);
  /** Resolves when the server has ended its side of the connection. */
  readonly ended: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    socket.on('error', () => {});
    this.ended = new Promise((resolve) => socket.once('end', () => resolve()));
  }

  /** Opens one to `addr`; with `ca` (a PEM CA bundle), over TLS with ALPN h2 as gRPC clients do. */
  static async open(addr: string, ca?: Buffer): Promise<LingeringConnection> {
    const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.split(':').at(-1))];
    // Half-open allowed: the server's end of the connection does not end ours (as with grpcio).
    const socket =
      ca === undefined
        ? connect({ port, host, allowHalfOpen: true })
        : // Node's TLS socket takes allowHalfOpen like a net socket; its types leave it out.
          connectTls({ port, host, ca, ALPNProtocols: ['h2'], allowHalfOpen: true } as ConnectionOptions);
    await new Promise<void>((resolve, reject) =>
      socket.once(ca === undefined ? 'connect' : 'secureConnect', resolve).once('error', reject),
    );
    socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
    const connection = new LingeringConnection(socket);
    // The server's own SETTINGS: the session exists on its side.
    while (connection.frameTypes().length === 0) await new Promise((r) => setTimeout(r, 5));
    return connection;
  }

  /** The types of the whole frames received so far. */
  frameTypes(): number[] {
    const types: number[] = [];
    for (let at = 0; at + 9 <= this.received.length; at += 9 + this.received.readUIntBE(at, 3)) {
      types.push(this.received[at + 3]!);
    }
    return types;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

let server: ServerProcess | null = null;
const connections: LingeringConnection[] = [];

afterEach(async () => {
  for (const c of connections.splice(0)) c.destroy();
  await server?.stop('SIGKILL');
  server = null;
});

/** Starts a server, opens a lingering connection to grpc.listen and etcd.listen, and stops it with SIGTERM. */
async function drainWithLingeringClients(args: string[], ca?: Buffer): Promise<void> {
  server = await startServerProcess(await tempDir(), [
    '--shutdown-timeout',
    '60s',
    '--etcd-listen',
    '127.0.0.1:0',
    ...args,
  ]);
  const serving = server.logs.find((l) => l.msg === 'kvstore is serving')!;
  for (const addr of [server.addr, String(serving.etcd)]) {
    connections.push(await LingeringConnection.open(addr, ca));
  }

  expect(await server.stop('SIGTERM')).toBe(0);
  expect(server.logs.map((l) => l.msg)).toContain('shut down cleanly');
  for (const connection of connections) {
    await connection.ended;
    // The client was told first: it knows not to send more calls on this connection.
    expect(connection.frameTypes()).toContain(GOAWAY);
  }
}

// Before, the drain waited for such clients to close (grpcio does after about 5 s) or for shutdown.timeout
// (60 s here, longer than these tests may take).
describe('SIGTERM with clients that keep a finished connection open', () => {
  it('does not wait for them: GOAWAY, the connection closed, exit 0 (plaintext)', { timeout: 30_000 }, () =>
    drainWithLingeringClients([]),
  );

  it('does not wait for them over TLS either', { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    makeCa(dir, 'ca');
    makeLeaf(dir, 'server', 'ca', SERVER_EXT);
    await drainWithLingeringClients(
      ['--grpc-tls-cert', join(dir, 'server.crt'), '--grpc-tls-key', join(dir, 'server.key')],
      readFileSync(join(dir, 'ca.crt')),
    );
  });
});
