import type { KvStore } from '../store/kv-store.js';
import { LeaseExistsError, LeaseNotFoundError } from '../store/lease-errors.js';
import { LeaseTtlTooLargeError } from '../store/leases.js';
import type { Access } from './access.js';
import { ServiceError } from './errors.js';
import { ETCD_ERRORS } from './etcd-operations.js';

/*
 * etcd's Lease service (etcdserverpb.Lease) over the store's leases (store/leases.ts): the rules and etcd's
 * answers and error strings live here once; src/api/etcd/lease.ts only maps the wire.
 */

/** LeaseGrant's answer. */
export interface EtcdLeaseGrantOutput {
  readonly revision: number;
  readonly ID: number;
  readonly TTL: number;
}

/** LeaseTimeToLive's answer: TTL -1 for a lease that does not exist (etcd's answer, not an error). */
export interface EtcdLeaseTimeToLiveOutput {
  readonly ID: number;
  readonly TTL: number;
  readonly grantedTTL: number;
  readonly keys: Buffer[];
}

/**
 * The store's lease errors as etcd's (code and message); any other error as it is. Every etcd call passes
 * its errors through here (api/etcd/errors.ts), Put's unknown lease included.
 */
export function etcdLeaseError(err: unknown): unknown {
  if (err instanceof LeaseNotFoundError) return new ServiceError('NOT_FOUND', ETCD_ERRORS.leaseNotFound);
  if (err instanceof LeaseExistsError)
    return new ServiceError('FAILED_PRECONDITION', ETCD_ERRORS.leaseExists);
  if (err instanceof LeaseTtlTooLargeError)
    return new ServiceError('OUT_OF_RANGE', ETCD_ERRORS.leaseTtlTooLarge);
  return err;
}

/** etcdserverpb.Lease over the store. */
export class EtcdLeaseOperations {
  constructor(private readonly store: KvStore) {}

  /** LeaseGrant: ID 0 lets the server choose; a TTL under etcd's minimum (2 s) is raised to it. */
  async grant(request: { TTL: number; ID: number }): Promise<EtcdLeaseGrantOutput> {
    const { revision, id, ttl } = await this.store.leases.grant(request.ID, request.TTL);
    return { revision, ID: id, TTL: ttl };
  }

  /** LeaseRevoke: the lease's keys are deleted in one revision; the caller must be allowed to write them. */
  revoke(request: { ID: number }, access: Access): Promise<{ revision: number }> {
    const status = this.store.leases.timeToLive(request.ID, true);
    if (status === null) throw new LeaseNotFoundError(request.ID);
    for (const key of status.keys) access.checkKey('write', key);
    return this.store.leases.revoke(request.ID);
  }

  /** One LeaseKeepAlive request: the lease's TTL again, or 0 when it does not exist (etcd's answer). */
  async keepAlive(request: { ID: number }): Promise<{ ID: number; TTL: number }> {
    return { ID: request.ID, TTL: await this.store.leases.keepAlive(request.ID) };
  }

  /** LeaseTimeToLive; with `keys`, the caller must be allowed to read them. */
  timeToLive(request: { ID: number; keys: boolean }, access: Access): EtcdLeaseTimeToLiveOutput {
    const status = this.store.leases.timeToLive(request.ID, request.keys);
    if (status === null) return { ID: request.ID, TTL: -1, grantedTTL: 0, keys: [] };
    for (const key of status.keys) access.checkKey('read', key);
    return {
      ID: status.id,
      TTL: status.ttl,
      grantedTTL: status.grantedTtl,
      // A namespaced caller reads only keys of its namespace (checked above), named without the prefix.
      keys: status.keys.map((k) => Buffer.from(access.namespace ? access.namespace.strip(k) : k, 'utf8')),
    };
  }

  /** LeaseLeases: every lease's ID. */
  leases(): { ID: number }[] {
    return this.store.leases.list().map((ID) => ({ ID }));
  }
}
