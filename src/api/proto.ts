import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/kvstore.js';

/** The wire contract's directory, found relative to this module in both src/ and dist/. */
export const PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));

/** Loader options; src/api/generated was produced with the same ones (npm run proto:gen). */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** The kvstore.v1 package definition (also what server reflection describes). */
export const packageDefinition: PackageDefinition = loadSync('kvstore/v1/kvstore.proto', LOADER_OPTIONS);

/** Service constructors and definitions of kvstore.v1. */
export const kvstoreV1 = (loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType).kvstore.v1;
