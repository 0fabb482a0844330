import { randomBytes } from 'node:crypto';
import { compareKeys } from '../keys/key-order.js';
import type { LeaseEvent } from '../log/events.js';
import type { ExpirySchedule } from '../projections/expiry-schedule.js';
import type { KeyState } from '../projections/key-state.js';
import type { LeaseWire } from '../projections/lease-table.js';
import { InvalidArgumentError } from './errors.js';
import { LeaseNotFoundError } from './lease-errors.js';
import { leaseEndRecord, leaseGrantRecord, leaseRenewRecord } from './lease-records.js';
import type { WritePath } from './write-path.js';

/**
 * etcd's shortest lease: a TTL below it is raised to it (etcd: 1.5 x its election timeout, rounded up to
 * whole seconds: 2 s with the default settings).
 */
export const MIN_LEASE_TTL_SECONDS = 2;
/** etcd's longest lease TTL (lease.MaxLeaseTTL); above it, "etcdserver: too large lease TTL". */
export const MAX_LEASE_TTL_SECONDS = 9_000_000_000;

/** A TTL over {@link MAX_LEASE_TTL_SECONDS} (etcd: OUT_OF_RANGE "etcdserver: too large lease TTL"). */
export class LeaseTtlTooLargeError extends Error {
  constructor(readonly ttlSeconds: number) {
    super(`lease TTL ${ttlSeconds} s is over the limit of ${MAX_LEASE_TTL_SECONDS} s`);
    this.name = 'LeaseTtlTooLargeError';
  }
}

/** A lease as TimeToLive and Leases report it. */
export interface LeaseStatus {
  readonly id: number;
  /** The TTL it was granted with, in seconds. */
  readonly grantedTtl: number;
  /** Whole seconds left before it expires (etcd truncates the same way). */
  readonly ttl: number;
  /** The keys attached to it, in key order (only when asked). */
  readonly keys: readonly string[];
}

/** Sets or clears the deadlines of the leases a record granted or ended, counted from `nowMs`. */
export function armLeases(schedule: ExpirySchedule, events: readonly LeaseEvent[], nowMs: number): void {
  for (const event of events) {
    if (event.type === 'lease-grant') schedule.armLease(event.lease, nowMs + event.ttlSeconds * 1000);
    else schedule.forgetLease(event.lease);
  }
}

/**
 * Gives every lease of the state its full TTL from `nowMs`: what survives a restart or a move of the
 * sweeping to another node is the lease and its keys, never the time a client had left (etcd's rule on a
 * leader change, docs/etcd.md).
 */
export function rearmLeases(schedule: ExpirySchedule, state: KeyState, nowMs: number): void {
  for (const lease of state.leases.all()) schedule.armLease(lease.id, nowMs + lease.ttlSeconds * 1000);
}

/**
 * etcd's lessor over the log: Grant and Revoke are records (a revoke holds the deletes of the lease's keys,
 * one revision); keep-alives move the deadline in the expiry schedule the sweeper follows, unlogged on a
 * log only this process writes. On a shared log (a cluster) a keep-alive is logged as a renewal, so that
 * every node, each of which sweeps, sees it (see docs/etcd.md).
 */
export class LeaseOps {
  constructor(
    private readonly writes: WritePath,
    private readonly state: KeyState,
    private readonly schedule: ExpirySchedule,
    private readonly sharedLog: boolean,
  ) {}

  /** Grants a lease (ID 0: one is chosen); resolves once it is durable. */
  async grant(id: number, ttlSeconds: number): Promise<{ revision: number; id: number; ttl: number }> {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new InvalidArgumentError('ID', `is ${id}; a lease ID is 0 (choose one) or 1 to 2^53-1`);
    }
    if (ttlSeconds > MAX_LEASE_TTL_SECONDS) throw new LeaseTtlTooLargeError(ttlSeconds);
    const ttl = Math.max(MIN_LEASE_TTL_SECONDS, Math.ceil(ttlSeconds));
    const out = { id: 0 };
    const record = await this.writes.append(leaseGrantRecord(this.writes.view, id, ttl, pickLeaseId, out));
    return { revision: record.revision, id: out.id, ttl };
  }

  /** Revokes a lease and deletes its keys in one revision; {@link LeaseNotFoundError} when there is none. */
  async revoke(id: number): Promise<{ revision: number }> {
    const record = await this.writes.append(leaseEndRecord(this.writes.view, id, false));
    return { revision: record.revision };
  }

  /** Restarts a lease's full TTL; answers that TTL, or 0 when the lease does not exist (etcd's answer). */
  async keepAlive(id: number): Promise<number> {
    const lease = this.state.leases.get(id);
    if (lease === undefined) return 0;
    if (this.sharedLog) {
      try {
        await this.writes.append(leaseRenewRecord(this.writes.view, id));
      } catch (err) {
        if (err instanceof LeaseNotFoundError) return 0;
        throw err;
      }
    } else {
      this.schedule.armLease(id, Date.now() + lease.ttlSeconds * 1000);
    }
    return lease.ttlSeconds;
  }

  /** A lease's TTLs and (with `withKeys`) its keys; null when it does not exist. */
  timeToLive(id: number, withKeys: boolean): LeaseStatus | null {
    const lease = this.state.leases.get(id);
    if (lease === undefined) return null;
    const deadline = this.schedule.leaseDeadline(id) ?? Date.now();
    return {
      id,
      grantedTtl: lease.ttlSeconds,
      ttl: Math.max(0, Math.floor((deadline - Date.now()) / 1000)),
      keys: withKeys ? [...lease.keys].sort(compareKeys) : [],
    };
  }

  /** The leases with their keys, as checkpoints and backups hold them (a copy). */
  snapshot(): LeaseWire[] {
    return this.state.leases.toWire();
  }

  /** The IDs of every lease. */
  list(): number[] {
    return [...this.state.leases.all()].map((l) => l.id);
  }
}

/** A random ID in 1..2^53-1 not in use (etcd's are random 63-bit; JavaScript numbers hold 53 bits). */
function pickLeaseId(taken: (id: number) => boolean): number {
  for (;;) {
    const bytes = randomBytes(7);
    const id = (bytes.readUIntBE(0, 6) * 32 + (bytes[6]! & 31)) % Number.MAX_SAFE_INTEGER;
    if (id !== 0 && !taken(id)) return id;
  }
}
