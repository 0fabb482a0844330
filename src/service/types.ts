/**
 * The plain request and response types of the transport-neutral operations. Field names are the API's own
 * (snake_case, as in kvstore.v1 and its JSON form), so every adapter speaks one vocabulary and an error that
 * names a field names it the same way over gRPC, HTTP and the etcd API. Nothing here depends on a transport.
 */

/** A key with its value and metadata, as the API returns it. */
export interface KeyValue {
  readonly key: string;
  readonly value: Buffer;
  readonly create_revision: number;
  readonly mod_revision: number;
  readonly version: number;
  /** Milliseconds since the epoch; 0 = never expires. */
  readonly expires_at_ms: number;
}

/** The store's revision when the answer was made. */
export interface Header {
  readonly revision: number;
}

/** Which keys a request names: a prefix, a [start, end) range or a glob pattern (one of them). */
export interface SpanInput {
  readonly prefix: string;
  readonly start: string;
  readonly end: string;
  readonly pattern?: string;
}

/** A condition on the key of a Set or Delete: `condition` names which one of the others is set. */
export interface ConditionInput {
  readonly condition?: 'absent' | 'version' | 'mod_revision' | 'value';
  readonly absent?: boolean;
  readonly version?: number;
  readonly mod_revision?: number;
  readonly value?: Uint8Array;
}

export interface GetInput {
  readonly key: string;
  readonly serializable: boolean;
}
export interface GetOutput {
  readonly header: Header;
  readonly kv: KeyValue | null;
  readonly found: boolean;
}

export interface SetInput {
  readonly key: string;
  readonly value: Uint8Array;
  /** Absent: never expires. */
  readonly ttl_ms?: number;
  readonly condition?: ConditionInput | null;
}
export interface SetOutput {
  readonly header: Header;
  /** The written key's metadata; its value is left out (empty). */
  readonly kv: KeyValue;
}

export interface DeleteInput {
  readonly key: string;
  readonly condition?: ConditionInput | null;
}
export interface DeleteOutput {
  readonly header: Header;
  readonly deleted: boolean;
}

export interface ListInput extends SpanInput {
  readonly limit: number;
  /** next_page_token of the previous page; "" for the first. */
  readonly page_token: string;
  readonly keys_only: boolean;
  readonly count: boolean;
  readonly serializable: boolean;
}
export interface ListOutput {
  readonly header: Header;
  readonly kvs: KeyValue[];
  readonly next_page_token: string;
  readonly more: boolean;
  readonly count: number;
}

export interface SetManyItemInput {
  readonly key: string;
  readonly value: Uint8Array;
  readonly ttl_ms?: number;
}
export interface SetManyOutput {
  readonly header: Header;
  readonly kvs: KeyValue[];
}

export interface GetManyInput {
  readonly keys: readonly string[];
  readonly serializable: boolean;
}
export interface GetManyOutput {
  readonly header: Header;
  readonly results: GetOutput[];
}

export interface DeleteManyOutput {
  readonly header: Header;
  /** The keys that existed and were deleted. */
  readonly deleted: string[];
}

export interface DeleteRangeInput extends SpanInput {
  readonly prev_kv: boolean;
}
export interface DeleteRangeOutput {
  readonly header: Header;
  readonly deleted: number;
  readonly prev_kvs: KeyValue[];
}

/** A Txn compare, as etcd's: `target` of `key` compared with the operand in the field of that name. */
export interface CompareInput {
  readonly key: string;
  readonly result: string;
  readonly target?: 'version' | 'create_revision' | 'mod_revision' | 'value';
  readonly version?: number;
  readonly create_revision?: number;
  readonly mod_revision?: number;
  readonly value?: Uint8Array;
}

export interface RangeOpInput extends SpanInput {
  readonly limit: number;
  readonly keys_only: boolean;
}

/** One operation of a Txn: `request` names which one of the others is set. */
export interface RequestOpInput {
  readonly request?: 'get' | 'range' | 'set' | 'delete' | 'delete_range';
  readonly get?: { readonly key: string } | null;
  readonly range?: RangeOpInput | null;
  readonly set?: SetInput | null;
  readonly delete?: DeleteInput | null;
  readonly delete_range?: DeleteRangeInput | null;
}

export interface TxnInput {
  readonly compare: readonly CompareInput[];
  readonly success: readonly RequestOpInput[];
  readonly failure: readonly RequestOpInput[];
}

/** One operation's result: exactly one field is set. */
export interface ResponseOpOutput {
  readonly get?: GetOutput;
  readonly range?: { readonly kvs: KeyValue[]; readonly more: boolean };
  readonly set?: SetOutput;
  readonly delete?: DeleteOutput;
  readonly delete_range?: DeleteRangeOutput;
}

export interface TxnOutput {
  readonly header: Header;
  readonly succeeded: boolean;
  readonly responses: ResponseOpOutput[];
}

export interface CompactOutput {
  readonly header: Header;
  readonly compact_revision: number;
  readonly removed: number;
}

export interface HashKvOutput {
  readonly header: Header;
  readonly hash: string;
  readonly hash_revision: number;
  readonly keys: number;
  readonly compact_revision: number;
}

export interface NatsStatusOutput {
  readonly state: string;
  readonly published_revision: number;
  readonly lag_revisions: number;
  readonly last_error: string;
}

export interface HistoryCheckOutput {
  readonly state: string;
  readonly checked_records: number;
  readonly damaged_records: number;
  readonly damaged_revisions: number[];
}

export interface ClusterStatusOutput {
  readonly applied_revision: number;
  readonly head_revision: number;
  readonly lag_revisions: number;
  readonly leader: string;
  readonly replicas: { readonly name: string; readonly current: boolean; readonly lag: number }[];
  readonly unavailable: string;
}

export interface StatusOutput {
  readonly header: Header;
  readonly version: string;
  readonly compact_revision: number;
  readonly keys: number;
  readonly backend: string;
  readonly uptime_ms: number;
  readonly checkpoint_revision: number;
  readonly durability: string;
  readonly log_bytes: number;
  readonly nats: NatsStatusOutput | null;
  readonly history_check: HistoryCheckOutput;
  readonly cluster: ClusterStatusOutput | null;
  readonly limits: {
    readonly max_key_bytes: number;
    readonly max_value_bytes: number;
    readonly max_ttl_ms: number;
    readonly max_list_limit: number;
  };
}

/** One piece of a backup stream. */
export interface BackupChunkOutput {
  readonly data: Buffer;
  readonly items_done: number;
  readonly items_total: number;
}

/** A watch of one key (`key`), or of a span as in {@link SpanInput}. */
export interface WatchInput extends SpanInput {
  readonly key: string;
  /** 0 = from now. */
  readonly start_revision: number;
  readonly no_put: boolean;
  readonly no_delete: boolean;
  readonly prev_kv: boolean;
  /** 0 = the server's default. */
  readonly progress_interval_ms: number;
}
