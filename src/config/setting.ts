import { jwksUrlProblem } from '../security/remote-jwks.js';
import { formatMs, parseBytes, parseDuration } from './units.js';

/** How one setting is read, checked, shown and documented. */
export interface Setting {
  /** Dotted path in {@link Config} and in the config file, e.g. `grpc.listen`. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly default: unknown;
  /** One line for --help, --print-config and docs/configuration.md. */
  readonly description: string;
  /** What is allowed, as shown in error messages. */
  readonly allowed: string;
  /** Converts a raw value (a string from flags and env, anything from a file); null = not allowed. */
  parse(raw: unknown): unknown;
  /** Shows a value the way a user would write it. */
  show(value: unknown): string;
}

/** A setting whose flag and environment variable are derived from its dotted key. */
export function setting(
  key: string,
  defaultValue: unknown,
  description: string,
  allowed: string,
  parse: (raw: unknown) => unknown,
  show: (value: unknown) => string = String,
): Setting {
  const words = key.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return {
    key,
    flag: `--${words.replace(/\./g, '-')}`,
    env: `KVSTORE_${words.replace(/[.-]/g, '_').toUpperCase()}`,
    default: defaultValue,
    description,
    allowed,
    parse,
    show,
  };
}

/** Parser of a address setting; null = not allowed. */
export function address(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(raw.trim());
  if (!match || Number(match[2]) > 65535) return null;
  return raw.trim();
}

/** Parser of a integer setting; null = not allowed. */
export function integer(min: number, max: number): (raw: unknown) => number | null {
  return (raw) => {
    const n =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)
          ? Number(raw)
          : Number.NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : null;
  };
}

/** Parser of a bytes setting; null = not allowed. */
export function bytes(min: number, max: number): (raw: unknown) => number | null {
  return (raw) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseBytes(raw) : null;
    return n !== null && Number.isInteger(n) && n >= min && n <= max ? n : null;
  };
}

/** Parser of a duration setting; null = not allowed. */
export function duration(min: number, max: number): (raw: unknown) => number | null {
  return (raw) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseDuration(raw) : null;
    return n !== null && n >= min && n <= max ? n : null;
  };
}

/** Parser of a setting with a fixed set of values; null = not allowed. */
export function oneOf<T extends string>(...choices: T[]): (raw: unknown) => T | null {
  return (raw) => (typeof raw === 'string' && (choices as string[]).includes(raw) ? (raw as T) : null);
}

/** Parser of a natsUrl setting; null = not allowed. */
export function natsUrl(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  if (raw === '') return '';
  return raw
    .split(',')
    .every((u) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(u.trim()) || /^[^\s:/]+:\d+$/.test(u.trim()))
    ? raw
    : null;
}

/** Any path; '' = not set. */
export const filePath = (raw: unknown): string | null => (typeof raw === 'string' ? raw : null);
/** An https JWKS URL (see remote-jwks.ts), or ''. */
export const jwksUrl = (raw: unknown): string | null =>
  typeof raw === 'string' && (raw === '' || jwksUrlProblem(raw) === null) ? raw : null;

/** Shows milliseconds as a duration (1500 -> 1.5s). */
export const showMs = (v: unknown) => formatMs(v as number);
/** {@link showMs}, with 0 (off) shown as 0. */
export const showMsOrZero = (v: unknown) => (v === 0 ? '0' : formatMs(v as number));
/** A day in milliseconds. */
export const DAY = 86_400_000;

/** true or false, as a boolean or its text. */
export function boolean(raw: unknown): boolean | null {
  return raw === true || raw === 'true' ? true : raw === false || raw === 'false' ? false : null;
}
