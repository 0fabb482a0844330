import { parseBytes } from '../config/units.js';

/** What one principal may send per second (a role's `rateLimit`); 0 in a field = no limit on it. */
export interface RateLimit {
  readonly requestsPerSecond: number;
  readonly bytesPerSecond: number;
  /** Requests that may arrive at once above the rate (the requests bucket's size). */
  readonly burstRequests: number;
}

/** The burst when a role names none: a tenth of a second's worth, so the rate holds within ~10 % over seconds. */
export function defaultBurst(requestsPerSecond: number): number {
  return Math.max(1, Math.ceil(requestsPerSecond / 10));
}

/** Reads a role's `rateLimit: {requestsPerSecond, bytesPerSecond, burst}`; `at` names it in messages. */
export function parseRateLimit(raw: unknown, at: string): RateLimit {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${at}: expected {requestsPerSecond: N, bytesPerSecond: N or "1MiB", burst: N}`);
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).filter(
    (k) => k !== 'requestsPerSecond' && k !== 'bytesPerSecond' && k !== 'burst',
  );
  if (unknown.length > 0)
    throw new Error(`${at}: unknown field ${unknown.join(', ')} (requestsPerSecond, bytesPerSecond, burst)`);
  const requestsPerSecond = count(fields.requestsPerSecond, `${at}.requestsPerSecond`);
  const bytes = fields.bytesPerSecond;
  const bytesPerSecond =
    typeof bytes === 'string' ? (parseBytes(bytes) ?? Number.NaN) : count(bytes, `${at}.bytesPerSecond`);
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0)
    throw new Error(`${at}.bytesPerSecond: expected a size like 1048576 or "1MiB"`);
  if (requestsPerSecond === 0 && bytesPerSecond === 0)
    throw new Error(`${at}: set requestsPerSecond, bytesPerSecond or both`);
  const burst =
    fields.burst === undefined ? defaultBurst(requestsPerSecond) : count(fields.burst, `${at}.burst`);
  return { requestsPerSecond, bytesPerSecond, burstRequests: Math.max(1, burst) };
}

/**
 * The limit of a principal with several roles: per field, the most generous of the roles that set it
 * (a role without `rateLimit` adds nothing); null when none sets one.
 */
export function combineRateLimits(limits: readonly RateLimit[]): RateLimit | null {
  if (limits.length === 0) return null;
  const most = (pick: (l: RateLimit) => number) =>
    limits.some((l) => pick(l) === 0) ? 0 : Math.max(...limits.map(pick));
  return {
    requestsPerSecond: most((l) => l.requestsPerSecond),
    bytesPerSecond: most((l) => l.bytesPerSecond),
    burstRequests: Math.max(...limits.map((l) => l.burstRequests)),
  };
}

function count(raw: unknown, at: string): number {
  if (raw === undefined) return 0;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0)
    throw new Error(`${at}: expected a number >= 0`);
  return raw;
}
