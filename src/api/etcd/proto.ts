import { join } from 'node:path';
import { type GrpcObject, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { LOADER_OPTIONS, PROTO_DIR } from '../proto.js';

/** Where etcd's wire contract lives (proto/etcd: etcdserverpb, mvccpb and authpb, see docs/etcd.md). */
export const ETCD_PROTO_DIR = join(PROTO_DIR, 'etcd');

/** The etcdserverpb package definition, loaded with the same options as kvstore.v1's. */
export const etcdPackageDefinition: PackageDefinition = loadSync('etcdserverpb/rpc.proto', {
  ...LOADER_OPTIONS,
  includeDirs: [ETCD_PROTO_DIR],
});

const loaded = loadPackageDefinition(etcdPackageDefinition) as unknown as {
  etcdserverpb: GrpcObject & Record<EtcdServiceName, ServiceClientConstructor>;
};

/** The services of etcdserverpb kvstore serves (docs/etcd.md). */
export type EtcdServiceName = 'KV' | 'Watch' | 'Lease' | 'Cluster' | 'Maintenance' | 'Auth';

/** Service constructors of etcdserverpb (their `.service` is the definition a server adds). */
export const etcdserverpb = loaded.etcdserverpb;
