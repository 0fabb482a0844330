import { readFile, rename, writeFile } from 'node:fs/promises';
import type { WitnessReader } from '../../store/witness.js';

/** The publisher's position: the next event to publish is event `index` of `revision`; all before it are out. */
export interface PublishCursor {
  readonly revision: number;
  readonly index: number;
}

/** Reads the cursor file; undefined when there is none (publishing was never enabled on this data dir). */
export async function readCursor(path: string): Promise<PublishCursor | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<PublishCursor>;
    if (typeof parsed.revision !== 'number' || typeof parsed.index !== 'number') {
      throw new Error(`${path}: not a cursor file ({"revision": N, "index": N})`);
    }
    return { revision: parsed.revision, index: parsed.index };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes the cursor atomically (temporary file, rename). Not fsynced: losing the last update only means
 * republishing a few events, which JetStream de-duplicates by Nats-Msg-Id.
 */
export async function writeCursor(path: string, cursor: PublishCursor): Promise<void> {
  await writeFile(`${path}.tmp`, `${JSON.stringify(cursor)}\n`);
  await rename(`${path}.tmp`, path);
}

/**
 * The cursor as a witness for start-up: the events before it were published, so their revisions were
 * committed (the revision of a cursor half-way through a record, too). A file that does not parse proves
 * nothing and is left to the publisher to report.
 */
export function cursorWitness(path: string): WitnessReader {
  return async () => {
    const cursor = await readCursor(path).catch(() => undefined);
    if (!cursor) return undefined;
    return { revision: cursor.index > 0 ? cursor.revision : cursor.revision - 1, source: path };
  };
}
