import type { Clients } from './client.js';
import { toCliExit } from './client.js';

/**
 * The chunks of a backup streamed by the server (Admin.Backup), as bytes; `onProgress` sees the server's
 * item counts. A failed call becomes a {@link CliExit} with a one-line message.
 */
export async function* backupChunks(
  clients: Clients,
  fromRevision: number,
  onProgress?: (done: number, total: number) => void,
): AsyncGenerator<Buffer> {
  try {
    yield* (await clients.client()).backup({ fromRevision, ...(onProgress ? { onProgress } : {}) });
  } catch (err) {
    throw toCliExit(err, clients.options);
  }
}
