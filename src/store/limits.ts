import type { KeySpan } from '../keys/key-order.js';
import { compilePattern, type KeyPattern } from '../keys/key-pattern.js';
import { InvalidArgumentError } from './errors.js';

/** Size and range limits of requests; every one is configurable and documented in docs/configuration.md. */
export interface Limits {
  /** Longest key in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** Largest value in bytes. */
  readonly maxValueBytes: number;
  /** Longest TTL in milliseconds. */
  readonly maxTtlMs: number;
  /** Most keys one List returns. */
  readonly maxListLimit: number;
  /** Most items in one SetMany, GetMany or DeleteMany. */
  readonly maxBatchOps: number;
  /** Most keys one range delete removes (as one revision). */
  readonly maxRangeKeys: number;
  /** Largest answer in bytes; a write whose answer would be larger is refused before it is written. */
  readonly maxResponseBytes: number;
}

/** Defaults: keys up to 4 KiB, values up to 1 MiB, TTL up to a year, 10,000 keys per List page, batches of 1000. */
export const DEFAULT_LIMITS: Limits = {
  maxKeyBytes: 4096,
  maxValueBytes: 1024 * 1024,
  maxTtlMs: 365 * 24 * 3600 * 1000,
  maxListLimit: 10_000,
  maxBatchOps: 1000,
  maxRangeKeys: 100_000,
  maxResponseBytes: 4 * 1024 * 1024,
};

/** Checks a key: 1..maxKeyBytes bytes of well-formed UTF-8. */
export function validateKey(key: unknown, limits: Limits, field = 'key'): string {
  if (typeof key !== 'string') throw new InvalidArgumentError(field, 'must be a string');
  if (key.length === 0)
    throw new InvalidArgumentError(field, `must not be empty (1..${limits.maxKeyBytes} bytes)`);
  return validateKeyBound(key, limits, field);
}

/** Checks a prefix or range bound: like a key, but may be empty. */
export function validateKeyBound(key: string, limits: Limits, field: string): string {
  // Fast path: a string no longer than the limit in UTF-16 units can be at most 3x that in UTF-8.
  if (key.length * 3 > limits.maxKeyBytes) {
    const bytes = Buffer.byteLength(key, 'utf8');
    if (bytes > limits.maxKeyBytes) {
      throw new InvalidArgumentError(
        field,
        `is ${bytes} bytes, over the limit of ${limits.maxKeyBytes} bytes (UTF-8)`,
      );
    }
  }
  if (!key.isWellFormed())
    throw new InvalidArgumentError(field, 'is not valid UTF-8 (it holds a lone surrogate)');
  return key;
}

/** Checks a value's size. */
export function validateValue(value: Uint8Array, limits: Limits, field = 'value'): Uint8Array {
  if (value.length > limits.maxValueBytes) {
    throw new InvalidArgumentError(
      field,
      `is ${value.length} bytes, over the limit of ${limits.maxValueBytes} bytes (${formatBytes(limits.maxValueBytes)})`,
    );
  }
  return value;
}

/** Checks a TTL: a positive whole number of milliseconds up to maxTtlMs. */
export function validateTtl(ttlMs: number, limits: Limits, field = 'ttl_ms'): number {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0 || ttlMs > limits.maxTtlMs) {
    throw new InvalidArgumentError(
      field,
      `is ${ttlMs}; must be a whole number of milliseconds from 1 to ${limits.maxTtlMs} (${formatDuration(limits.maxTtlMs)})`,
    );
  }
  return ttlMs;
}

/** Checks a page size: 0 (the server default) up to maxListLimit. */
export function validateLimit(limit: number, limits: Limits, field = 'limit'): number {
  if (!Number.isInteger(limit) || limit < 0 || limit > limits.maxListLimit) {
    throw new InvalidArgumentError(
      field,
      `is ${limit}; must be from 0 (server default) to ${limits.maxListLimit}`,
    );
  }
  return limit;
}

/** Checks a key span's bounds (an empty prefix means every key). */
export function validateSpan(span: KeySpan, limits: Limits): KeySpan {
  switch (span.kind) {
    case 'prefix':
      validateKeyBound(span.prefix, limits, 'prefix');
      break;
    case 'range':
      validateKeyBound(span.start, limits, 'start');
      if (span.end !== null) validateKeyBound(span.end, limits, 'end');
      break;
    case 'pattern':
      validateKeyBound(span.pattern.source, limits, 'pattern');
      break;
  }
  return span;
}

/**
 * Bounds of a glob pattern. Matching one key costs at most (key segments) x (pattern segments + 1) segment
 * tests, each linear in the segment (src/keys/key-pattern.ts), and only `**` keeps more than one pattern
 * position alive: together these bound the CPU one pattern can spend per key (docs/benchmarks.md).
 */
export const MAX_PATTERN_BYTES = 1024;
/** Most `/`-separated segments in one glob pattern. */
export const MAX_PATTERN_SEGMENTS = 32;
/** Most `**` segments in one glob pattern. */
export const MAX_PATTERN_GLOBSTARS = 16;

/** Compiles a glob pattern within the bounds above; a bad one is an InvalidArgumentError naming `field`. */
export function parsePattern(source: string, field = 'pattern'): KeySpan {
  if (source === '') throw new InvalidArgumentError(field, 'must not be empty');
  const bytes = source.length * 3 > MAX_PATTERN_BYTES ? Buffer.byteLength(source, 'utf8') : 0;
  if (bytes > MAX_PATTERN_BYTES) {
    throw new InvalidArgumentError(
      field,
      `is ${bytes} bytes, over the limit of ${MAX_PATTERN_BYTES} bytes (UTF-8)`,
    );
  }
  let pattern: KeyPattern;
  try {
    pattern = compilePattern(source);
  } catch (err) {
    throw new InvalidArgumentError(field, `"${source}" ${(err as Error).message}`);
  }
  if (pattern.segments.length > MAX_PATTERN_SEGMENTS) {
    throw new InvalidArgumentError(
      field,
      `has ${pattern.segments.length} segments, over the limit of ${MAX_PATTERN_SEGMENTS} ("**" matches any depth)`,
    );
  }
  if (pattern.globstars > MAX_PATTERN_GLOBSTARS) {
    throw new InvalidArgumentError(
      field,
      `has ${pattern.globstars} "**" segments, over the limit of ${MAX_PATTERN_GLOBSTARS}`,
    );
  }
  return { kind: 'pattern', pattern };
}

/** 1048576 -> "1 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** 31536000000 -> "365d". */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
