import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditEntry, AuditSink } from '../service/audit.js';

/** The audit log as a file of JSON lines (security.auditFile), appended to, readable by its owner only. */
export interface AuditFile extends AuditSink {
  /** Writes what is buffered and closes the file. */
  close(): Promise<void>;
}

/**
 * Opens (creating, mode 0600) the audit file for appending: one JSON object a line, `time` first. Lines are
 * written in the order calls end; a crash can lose the last lines not yet handed to the OS.
 */
export async function openAuditFile(path: string): Promise<AuditFile> {
  const out: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (err) => reject(new Error(`security.auditFile ${path}: ${err.message}`)));
  });
  let failed: Error | null = null;
  out.on('error', (err) => {
    failed = err;
  });
  return {
    record(entry: AuditEntry) {
      if (failed === null) out.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
    },
    close: () => new Promise<void>((resolve) => out.end(() => resolve())),
  };
}
