import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Access } from '../../service/access.js';
import { EtcdLeaseOperations } from '../../service/etcd-leases.js';
import { etcdRpcError } from './errors.js';
import { etcdserverpb } from './proto.js';
import { type EtcdParts, headerOf, type ServiceEntry } from './services.js';

/*
 * etcdserverpb.Lease: thin handlers over the service's lease operations (service/etcd-leases.ts); the
 * rules, and what survives a restart, are there and in docs/etcd.md.
 */

type KeepAliveCall = ServerDuplexStream<{ ID: number }, unknown>;

/** The Lease service. */
export function etcdLeaseService(
  parts: EtcdParts,
  call: <Req, Res>(method: string, run: (request: Req, access: Access) => Res | Promise<Res>) => unknown,
  now: () => object,
): ServiceEntry {
  const { identity, ctx } = parts;
  const leases = new EtcdLeaseOperations(parts.store);
  const header = (revision: number) => headerOf(identity, revision);
  const implementation = {
    LeaseGrant: call('LeaseGrant', async (r: { TTL: number; ID: number }) => {
      const out = await leases.grant(r);
      return { header: header(out.revision), ID: out.ID, TTL: out.TTL, error: '' };
    }),
    LeaseRevoke: call('LeaseRevoke', async (r: { ID: number }, access: Access) => {
      const out = await leases.revoke(r, access);
      return { header: header(out.revision) };
    }),
    LeaseTimeToLive: call('LeaseTimeToLive', (r: { ID: number; keys: boolean }, access: Access) => ({
      header: now(),
      ...leases.timeToLive(r, access),
    })),
    LeaseLeases: call('LeaseLeases', () => ({ header: now(), leases: leases.leases() })),
    // One answer per request, in order; a failure (the log is gone) ends the stream with etcd's status.
    LeaseKeepAlive: (stream: KeepAliveCall) => {
      let chain = Promise.resolve();
      let failed = false;
      stream.on('data', (r: { ID: number }) => {
        chain = chain.then(async () => {
          if (failed) return;
          try {
            const out = await leases.keepAlive(r);
            if (!stream.cancelled) stream.write({ header: now(), ...out });
          } catch (err) {
            failed = true;
            const { error, expected } = etcdRpcError(err);
            if (!expected) ctx.logger.error({ err }, 'etcd LeaseKeepAlive failed');
            stream.emit('error', error.toServiceError());
          }
        });
      });
      stream.on('end', () => {
        void chain.then(() => {
          if (!failed) stream.end();
        });
      });
      stream.on('error', () => {});
    },
  };
  return { definition: etcdserverpb.Lease.service, implementation: implementation as never };
}
