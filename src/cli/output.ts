import type { KeyValue__Output } from '../api/generated/kvstore/v1/KeyValue.js';

/** A value for JSON output: text when it is valid UTF-8, otherwise base64 under `value_base64`. */
export function jsonValue(value: Buffer): { value: string } | { value_base64: string } {
  const text = value.toString('utf8');
  return Buffer.from(text, 'utf8').equals(value)
    ? { value: text }
    : { value_base64: value.toString('base64') };
}

/** One key-value as the JSON line of --json output. */
export function kvJson(kv: KeyValue__Output, revision: number, withValue = true): Record<string, unknown> {
  return {
    key: kv.key,
    ...(withValue ? jsonValue(kv.value) : {}),
    create_revision: kv.create_revision,
    mod_revision: kv.mod_revision,
    version: kv.version,
    expires_at: kv.expires_at_ms ? new Date(kv.expires_at_ms).toISOString() : null,
    revision,
  };
}

/** Writes one JSON object per line. */
export function printJson(object: unknown): void {
  process.stdout.write(`${JSON.stringify(object)}\n`);
}

/** Writes a value's bytes as they are, with a newline only for a person at a terminal. */
export function printValue(value: Buffer): void {
  process.stdout.write(value);
  if (process.stdout.isTTY) process.stdout.write('\n');
}

/** Text for a value in a listing: UTF-8 with control characters escaped, or base64 for binary. */
export function displayValue(value: Buffer): string {
  const text = value.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(value)) return `base64:${value.toString('base64')}`;
  return JSON.stringify(text).slice(1, -1);
}

let quietOnClose = false;

/**
 * `kvstore export | head` closes the pipe early: end quietly with 0, as a shell pipeline expects, instead
 * of an unhandled EPIPE stack trace. Other errors on standard output still fail the command.
 */
export function exitQuietlyWhenOutputCloses(): void {
  // The shell runs many command lines in one process: one listener is enough.
  if (quietOnClose) return;
  quietOnClose = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`kvstore: standard output: ${err.message}\n`);
    process.exit(3);
  });
}
