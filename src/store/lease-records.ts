import { compareKeys } from '../keys/key-order.js';
import type { RecordBuilder } from '../log/event-log.js';
import type { LogEvent } from '../log/events.js';
import { LeaseExistsError, LeaseNotFoundError } from './lease-errors.js';
import { isLive, NothingToWrite } from './record-builders.js';
import type { WriteView } from './write-view.js';

/**
 * A lease granted. `pickId` chooses the ID when the caller gave none (0): it is called at the serialisation
 * point with a predicate telling IDs in use, so a generated ID never collides.
 */
export function leaseGrantRecord(
  view: WriteView,
  lease: number,
  ttlSeconds: number,
  pickId: (taken: (id: number) => boolean) => number,
  out: { id: number },
): RecordBuilder {
  return (revision) => {
    const id = lease !== 0 ? lease : pickId((candidate) => view.leaseTtl(candidate) !== null);
    if (view.leaseTtl(id) !== null) throw new LeaseExistsError(id);
    out.id = id;
    const events: LogEvent[] = [{ type: 'lease-grant', lease: id, ttlSeconds }];
    view.stage(revision, events);
    return events;
  };
}

/**
 * A lease renewed from another node of a shared log: the grant again, same ID and TTL, so every node
 * restarts its deadline (see docs/etcd.md, leases in a cluster).
 */
export function leaseRenewRecord(view: WriteView, lease: number): RecordBuilder {
  return (revision) => {
    const ttlSeconds = view.leaseTtl(lease);
    if (ttlSeconds === null) throw new LeaseNotFoundError(lease);
    const events: LogEvent[] = [{ type: 'lease-grant', lease, ttlSeconds }];
    view.stage(revision, events);
    return events;
  };
}

/**
 * A lease ended, with the delete of every key attached to it, in one record (one revision): revoked by a
 * client (deletes), or `expired` (EXPIRE events, which etcd's watchers see as deletes). An expiry writes
 * nothing when, at the serialisation point, the lease is already gone (another node of a shared log
 * expired it) or `stillDue` says a keep-alive moved its deadline since the sweeper took it.
 */
export function leaseEndRecord(
  view: WriteView,
  lease: number,
  expired: boolean,
  stillDue: (timeMs: number) => boolean = () => true,
): RecordBuilder {
  return (revision, timeMs) => {
    if (view.leaseTtl(lease) === null) {
      if (expired) throw new NothingToWrite(revision - 1);
      throw new LeaseNotFoundError(lease);
    }
    if (expired && !stillDue(timeMs)) throw new NothingToWrite(revision - 1);
    const events: LogEvent[] = [];
    for (const key of view.leaseKeys(lease).sort(compareKeys)) {
      const head = view.head(key);
      if (head === null) continue;
      const gone = expired || !isLive(head, timeMs);
      events.push({ type: gone ? 'expire' : 'delete', key, prevRevision: head.modRevision });
    }
    events.push({ type: 'lease-revoke', lease, expired });
    view.stage(revision, events);
    return events;
  };
}
