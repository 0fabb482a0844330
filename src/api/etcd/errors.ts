import { status } from '@grpc/grpc-js';
import { ServiceError } from '../../service/errors.js';
import { ETCD_AUTH_ERRORS } from '../../service/etcd-auth.js';
import { etcdLeaseError } from '../../service/etcd-leases.js';
import { ETCD_ERRORS, UnsupportedError } from '../../service/etcd-operations.js';
import { RevisionOutOfRangeError } from '../../store/errors.js';
import { RpcError, toRpcError } from '../grpc/status-errors.js';

/**
 * An error as an etcd client receives it: the service's classification (status-errors.ts), except that
 * what kvstore does not offer is UNIMPLEMENTED with a message naming it, and a compacted revision carries
 * etcd's own message (its clients match errors by message).
 */
export function etcdRpcError(thrown: unknown): { error: RpcError; expected: boolean } {
  const err = etcdLeaseError(thrown);
  if (err instanceof UnsupportedError)
    return { error: new RpcError(status.UNIMPLEMENTED, err.message), expected: true };
  // etcd clients know a refusal by its message alone; the audit log keeps kvstore's own, naming the key.
  if (err instanceof ServiceError && err.code === 'PERMISSION_DENIED') {
    return {
      error: new RpcError(status.PERMISSION_DENIED, ETCD_AUTH_ERRORS.permissionDenied),
      expected: true,
    };
  }
  if (err instanceof RevisionOutOfRangeError) {
    return { error: new RpcError(status.OUT_OF_RANGE, ETCD_ERRORS.compacted), expected: true };
  }
  return toRpcError(err);
}

/** Runs an operation, turning what it throws (or rejects with) into the RpcError etcd clients expect. */
export function asEtcd<T>(run: () => T | Promise<T>, onUnexpected: (err: unknown) => void): T | Promise<T> {
  const fail = (err: unknown): never => {
    const { error, expected } = etcdRpcError(err);
    if (!expected) onUnexpected(err);
    throw error;
  };
  let result: T | Promise<T>;
  try {
    result = run();
  } catch (err) {
    return fail(err);
  }
  return result instanceof Promise ? result.catch(fail) : result;
}
