import type { ServiceError } from '@grpc/grpc-js';
import type { BackupChunk__Output } from '../api/generated/kvstore/v1/BackupChunk.js';
import type { Clients } from './client.js';
import { toCliExit } from './client.js';

/**
 * The chunks of a backup streamed by the server (Admin.Backup), as bytes; `onProgress` sees the server's
 * item counts. A gRPC error becomes a {@link CliExit} with a one-line message.
 */
export async function* backupChunks(
  clients: Clients,
  fromRevision: number,
  onProgress?: (done: number, total: number) => void,
): AsyncGenerator<Buffer> {
  const { admin } = await clients.streams();
  const stream = admin.Backup({ from_revision: fromRevision });
  try {
    for await (const chunk of stream as AsyncIterable<BackupChunk__Output>) {
      onProgress?.(chunk.items_done, chunk.items_total);
      yield chunk.data;
    }
  } catch (err) {
    if (typeof (err as ServiceError).code === 'number') throw toCliExit(err as ServiceError, clients.options);
    throw err;
  } finally {
    stream.cancel();
  }
}
