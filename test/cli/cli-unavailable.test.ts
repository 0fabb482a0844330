import { Server, ServerCredentials, type ServerWritableStream, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { kvstoreV1 } from '../../src/api/proto.js';
import { kvstore } from '../helpers/cli.js';
import { clients, type ServerProcess, startServerProcess, unaryCall } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('kvstore CLI when the server answers UNAVAILABLE', () => {
  it('says what a fail-stopped server answered, and keeps "cannot reach" for no answer', async () => {
    // A 2 MiB file size limit (ulimit -f) makes the log's writes fail as on a full disk: the log
    // fail-stops and the server answers every write with UNAVAILABLE and the reason.
    let server: ServerProcess | undefined;
    try {
      server = await startServerProcess(await tempDir(), [], {}, { fileSizeLimitKiB: 2048 });
      const c = clients(server.addr);
      const value = Buffer.alloc(256 * 1024, 'v');
      let refused: (Error & { code?: number }) | undefined;
      for (let i = 0; i < 40 && !refused; i++) {
        await unaryCall((cb) => c.kv.Set({ key: `fill/${i}`, value }, cb)).catch((err: Error) => {
          refused = err;
        });
      }
      c.close();
      expect(refused?.code).toBe(14); // UNAVAILABLE, from the server

      const result = await kvstore(['set', 'after', 'x', '--addr', server.addr]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(
        new RegExp(
          `^kvstore: kvstore at ${server.addr} answered UNAVAILABLE: .*log\\.sqlite: commit of revisions`,
        ),
      );
      expect(result.stderr).not.toMatch(/cannot reach/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      // Reads still work: the server is up, only its log refuses writes.
      expect(await kvstore(['get', 'fill/0', '--addr', server.addr])).toMatchObject({ code: 0 });
    } finally {
      await server?.stop('SIGKILL');
    }
    const gone = await kvstore(['get', 'k', '--addr', server!.addr, '--timeout', '2s']);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/^kvstore: cannot reach kvstore at .* \(connection refused/);
  });

  it('says what the server answered on a stream (watch, backup), from a real grpc-js server', async () => {
    // A tiny real grpc-js server answers the streams with UNAVAILABLE and a message; it answers Status,
    // which a watch "from now" calls first to pin now to a revision. A watch that cannot start exits 3
    // (one that broke after it started rides the break out: cli-watch-restart.test.ts).
    const server = new Server();
    const refuse = (call: ServerWritableStream<unknown, unknown>) =>
      call.emit('error', { code: status.UNAVAILABLE, details: 'draining for an upgrade' });
    server.addService(kvstoreV1.KV.service, { Watch: refuse });
    server.addService(kvstoreV1.Admin.service, {
      Backup: refuse,
      Status: (_call: unknown, callback: (err: null, res: { header: { revision: number } }) => void) =>
        callback(null, { header: { revision: 7 } }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const addr = `127.0.0.1:${port}`;
    try {
      const watch = await kvstore(['watch', 'k', '--addr', addr]);
      expect(watch).toMatchObject({
        code: 3,
        stderr: `kvstore: kvstore at ${addr} answered UNAVAILABLE: draining for an upgrade\n`,
      });
      const dir = await tempDir();
      const backup = await kvstore(['backup', '--out', `${dir}/b.kvbackup`, '--addr', addr]);
      expect(backup.code).toBe(3);
      expect(backup.stderr).toMatch(`kvstore at ${addr} answered UNAVAILABLE: draining for an upgrade`);
    } finally {
      server.forceShutdown();
    }
  });
});
