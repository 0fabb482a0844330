import { usage } from './exit-codes.js';

/** Parses a whole-number flag or argument (a revision, a count) at least `min`; a usage error otherwise. */
export function wholeNumber(name: string, text: string, min: number, command: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw usage(`${name}: "${text}" is not a whole number from ${min}`, command);
  }
  return n;
}
