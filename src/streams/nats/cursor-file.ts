import { readFile, rename, writeFile } from 'node:fs/promises';

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
