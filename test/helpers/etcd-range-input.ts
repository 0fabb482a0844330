import type { EtcdRangeInput } from '../../src/service/etcd-messages.js';

/** An etcd Range request as the service layer takes it: every field at etcd's default, then `fields`. */
export function etcdRangeInput(
  fields: Partial<EtcdRangeInput> & Pick<EtcdRangeInput, 'key'>,
): EtcdRangeInput {
  return {
    range_end: Buffer.alloc(0),
    limit: 0,
    revision: 0,
    sort_order: 'NONE',
    sort_target: 'KEY',
    serializable: false,
    keys_only: false,
    count_only: false,
    min_mod_revision: 0,
    max_mod_revision: 0,
    min_create_revision: 0,
    max_create_revision: 0,
    ...fields,
  };
}
