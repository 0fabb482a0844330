import type { WriteView } from './write-view.js';

/** No lease with this ID exists (etcd: NOT_FOUND "etcdserver: requested lease not found"). */
export class LeaseNotFoundError extends Error {
  constructor(readonly lease: number) {
    super(`lease ${lease} not found`);
    this.name = 'LeaseNotFoundError';
  }
}

/** A lease with this ID exists already (etcd: FAILED_PRECONDITION "etcdserver: lease already exists"). */
export class LeaseExistsError extends Error {
  constructor(readonly lease: number) {
    super(`lease ${lease} already exists`);
    this.name = 'LeaseExistsError';
  }
}

/** Throws {@link LeaseNotFoundError} unless `lease` (not 0) exists at the serialisation point. */
export function checkLeaseExists(view: WriteView, lease: number): void {
  if (lease !== 0 && view.leaseTtl(lease) === null) throw new LeaseNotFoundError(lease);
}
