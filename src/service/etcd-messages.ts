/*
 * The etcd v3 KV messages as the service layer takes and answers them (field names as in etcd's rpc.proto, so
 * the adapter in src/api/etcd/ maps them one to one).
 */

/** A key-value as etcd returns it (mvccpb.KeyValue). */
export interface EtcdKeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly create_revision: number;
  readonly mod_revision: number;
  readonly version: number;
  readonly lease: number;
}

/** The revision part of etcd's ResponseHeader (the adapter adds cluster, member and term). */
export interface EtcdHeader {
  readonly revision: number;
}

/** A Range's sort order. */
export type SortOrder = 'NONE' | 'ASCEND' | 'DESCEND';
/** What a Range sorts by. */
export type SortTarget = 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';

/** A Range request (and a Txn's range op). */
export interface EtcdRangeInput {
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
  readonly limit: number;
  readonly revision: number;
  readonly sort_order: SortOrder;
  readonly sort_target: SortTarget;
  readonly serializable: boolean;
  readonly keys_only: boolean;
  readonly count_only: boolean;
  readonly min_mod_revision: number;
  readonly max_mod_revision: number;
  readonly min_create_revision: number;
  readonly max_create_revision: number;
}

/** A Range answer. */
export interface EtcdRangeOutput {
  readonly header: EtcdHeader;
  readonly kvs: EtcdKeyValue[];
  readonly more: boolean;
  readonly count: number;
}

/** A Put request (and a Txn's put op). */
export interface EtcdPutInput {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly lease: number;
  readonly prev_kv: boolean;
  readonly ignore_value: boolean;
  readonly ignore_lease: boolean;
}

/** A Put answer. */
export interface EtcdPutOutput {
  readonly header: EtcdHeader;
  readonly prev_kv: EtcdKeyValue | null;
}

/** A DeleteRange request (and a Txn's delete op). */
export interface EtcdDeleteRangeInput {
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
  readonly prev_kv: boolean;
}

/** A DeleteRange answer. */
export interface EtcdDeleteRangeOutput {
  readonly header: EtcdHeader;
  readonly deleted: number;
  readonly prev_kvs: EtcdKeyValue[];
}

/** One compare of a Txn. */
export interface EtcdCompareInput {
  readonly result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  readonly target: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
  readonly version?: number;
  readonly create_revision?: number;
  readonly mod_revision?: number;
  readonly value?: Uint8Array;
  readonly lease?: number;
}

/** One op of a Txn branch: exactly one of the four requests. */
export interface EtcdRequestOpInput {
  readonly request?: 'request_range' | 'request_put' | 'request_delete_range' | 'request_txn';
  readonly request_range?: EtcdRangeInput | null;
  readonly request_put?: EtcdPutInput | null;
  readonly request_delete_range?: EtcdDeleteRangeInput | null;
  readonly request_txn?: EtcdTxnInput | null;
}

/** A Txn request (nested Txns included). */
export interface EtcdTxnInput {
  readonly compare: readonly EtcdCompareInput[];
  readonly success: readonly EtcdRequestOpInput[];
  readonly failure: readonly EtcdRequestOpInput[];
}

/** One op's answer in a Txn answer. */
export interface EtcdResponseOpOutput {
  readonly response_range?: EtcdRangeOutput;
  readonly response_put?: EtcdPutOutput;
  readonly response_delete_range?: EtcdDeleteRangeOutput;
  readonly response_txn?: EtcdTxnOutput;
}

/** A Txn answer. */
export interface EtcdTxnOutput {
  readonly header: EtcdHeader;
  readonly succeeded: boolean;
  readonly responses: EtcdResponseOpOutput[];
}

/** A Watch create request's selection: key, range, start, filters, prev_kv. */
export interface EtcdWatchCreateInput {
  readonly key: Uint8Array;
  readonly range_end: Uint8Array;
  readonly start_revision: number;
  readonly filters: readonly ('NOPUT' | 'NODELETE')[];
  readonly prev_kv: boolean;
}
