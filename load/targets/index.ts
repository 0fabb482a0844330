import { etcdTarget } from './etcd.js';
import { kvstoreTarget } from './kvstore.js';
import type { LoadTarget, TargetOptions } from './target.js';

/** The servers the load client can drive. */
export const TARGETS = {
  kvstore: kvstoreTarget,
  etcd: etcdTarget,
} as const satisfies Record<string, (options: TargetOptions) => Promise<LoadTarget<unknown>>>;

/** A target's name. */
export type TargetName = keyof typeof TARGETS;

/** Connects to `name` at `options.addr` with `options.conns` connections. */
export function connectTarget(name: TargetName, options: TargetOptions): Promise<LoadTarget> {
  return TARGETS[name](options);
}
