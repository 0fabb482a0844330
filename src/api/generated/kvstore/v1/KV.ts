// Original file: proto/kvstore/v1/kvstore.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteManyRequest as _kvstore_v1_DeleteManyRequest, DeleteManyRequest__Output as _kvstore_v1_DeleteManyRequest__Output } from '../../kvstore/v1/DeleteManyRequest.js';
import type { DeleteManyResponse as _kvstore_v1_DeleteManyResponse, DeleteManyResponse__Output as _kvstore_v1_DeleteManyResponse__Output } from '../../kvstore/v1/DeleteManyResponse.js';
import type { DeleteRangeRequest as _kvstore_v1_DeleteRangeRequest, DeleteRangeRequest__Output as _kvstore_v1_DeleteRangeRequest__Output } from '../../kvstore/v1/DeleteRangeRequest.js';
import type { DeleteRangeResponse as _kvstore_v1_DeleteRangeResponse, DeleteRangeResponse__Output as _kvstore_v1_DeleteRangeResponse__Output } from '../../kvstore/v1/DeleteRangeResponse.js';
import type { DeleteRequest as _kvstore_v1_DeleteRequest, DeleteRequest__Output as _kvstore_v1_DeleteRequest__Output } from '../../kvstore/v1/DeleteRequest.js';
import type { DeleteResponse as _kvstore_v1_DeleteResponse, DeleteResponse__Output as _kvstore_v1_DeleteResponse__Output } from '../../kvstore/v1/DeleteResponse.js';
import type { GetManyRequest as _kvstore_v1_GetManyRequest, GetManyRequest__Output as _kvstore_v1_GetManyRequest__Output } from '../../kvstore/v1/GetManyRequest.js';
import type { GetManyResponse as _kvstore_v1_GetManyResponse, GetManyResponse__Output as _kvstore_v1_GetManyResponse__Output } from '../../kvstore/v1/GetManyResponse.js';
import type { GetRequest as _kvstore_v1_GetRequest, GetRequest__Output as _kvstore_v1_GetRequest__Output } from '../../kvstore/v1/GetRequest.js';
import type { GetResponse as _kvstore_v1_GetResponse, GetResponse__Output as _kvstore_v1_GetResponse__Output } from '../../kvstore/v1/GetResponse.js';
import type { ListRequest as _kvstore_v1_ListRequest, ListRequest__Output as _kvstore_v1_ListRequest__Output } from '../../kvstore/v1/ListRequest.js';
import type { ListResponse as _kvstore_v1_ListResponse, ListResponse__Output as _kvstore_v1_ListResponse__Output } from '../../kvstore/v1/ListResponse.js';
import type { SetManyRequest as _kvstore_v1_SetManyRequest, SetManyRequest__Output as _kvstore_v1_SetManyRequest__Output } from '../../kvstore/v1/SetManyRequest.js';
import type { SetManyResponse as _kvstore_v1_SetManyResponse, SetManyResponse__Output as _kvstore_v1_SetManyResponse__Output } from '../../kvstore/v1/SetManyResponse.js';
import type { SetRequest as _kvstore_v1_SetRequest, SetRequest__Output as _kvstore_v1_SetRequest__Output } from '../../kvstore/v1/SetRequest.js';
import type { SetResponse as _kvstore_v1_SetResponse, SetResponse__Output as _kvstore_v1_SetResponse__Output } from '../../kvstore/v1/SetResponse.js';
import type { TxnRequest as _kvstore_v1_TxnRequest, TxnRequest__Output as _kvstore_v1_TxnRequest__Output } from '../../kvstore/v1/TxnRequest.js';
import type { TxnResponse as _kvstore_v1_TxnResponse, TxnResponse__Output as _kvstore_v1_TxnResponse__Output } from '../../kvstore/v1/TxnResponse.js';
import type { WatchRequest as _kvstore_v1_WatchRequest, WatchRequest__Output as _kvstore_v1_WatchRequest__Output } from '../../kvstore/v1/WatchRequest.js';
import type { WatchResponse as _kvstore_v1_WatchResponse, WatchResponse__Output as _kvstore_v1_WatchResponse__Output } from '../../kvstore/v1/WatchResponse.js';

/**
 * Key-value operations and change feeds.
 */
export interface KVClient extends grpc.Client {
  /**
   * Deletes a key. Deleting an absent key is not an error (deleted = false) and writes nothing.
   */
  Delete(argument: _kvstore_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _kvstore_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _kvstore_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _kvstore_v1_DeleteRequest, callback: grpc.requestCallback<_kvstore_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes a key. Deleting an absent key is not an error (deleted = false) and writes nothing.
   */
  delete(argument: _kvstore_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _kvstore_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _kvstore_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _kvstore_v1_DeleteRequest, callback: grpc.requestCallback<_kvstore_v1_DeleteResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Deletes those of several keys that exist, atomically, as one revision.
   */
  DeleteMany(argument: _kvstore_v1_DeleteManyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteManyResponse__Output>): grpc.ClientUnaryCall;
  DeleteMany(argument: _kvstore_v1_DeleteManyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_DeleteManyResponse__Output>): grpc.ClientUnaryCall;
  DeleteMany(argument: _kvstore_v1_DeleteManyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteManyResponse__Output>): grpc.ClientUnaryCall;
  DeleteMany(argument: _kvstore_v1_DeleteManyRequest, callback: grpc.requestCallback<_kvstore_v1_DeleteManyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes those of several keys that exist, atomically, as one revision.
   */
  deleteMany(argument: _kvstore_v1_DeleteManyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteManyResponse__Output>): grpc.ClientUnaryCall;
  deleteMany(argument: _kvstore_v1_DeleteManyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_DeleteManyResponse__Output>): grpc.ClientUnaryCall;
  deleteMany(argument: _kvstore_v1_DeleteManyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteManyResponse__Output>): grpc.ClientUnaryCall;
  deleteMany(argument: _kvstore_v1_DeleteManyRequest, callback: grpc.requestCallback<_kvstore_v1_DeleteManyResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Deletes every key of a prefix, range or pattern as one revision; returns the count (and the values).
   */
  DeleteRange(argument: _kvstore_v1_DeleteRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  DeleteRange(argument: _kvstore_v1_DeleteRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  DeleteRange(argument: _kvstore_v1_DeleteRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  DeleteRange(argument: _kvstore_v1_DeleteRangeRequest, callback: grpc.requestCallback<_kvstore_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes every key of a prefix, range or pattern as one revision; returns the count (and the values).
   */
  deleteRange(argument: _kvstore_v1_DeleteRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  deleteRange(argument: _kvstore_v1_DeleteRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  deleteRange(argument: _kvstore_v1_DeleteRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  deleteRange(argument: _kvstore_v1_DeleteRangeRequest, callback: grpc.requestCallback<_kvstore_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reads one key at the store's current revision.
   */
  Get(argument: _kvstore_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _kvstore_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _kvstore_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _kvstore_v1_GetRequest, callback: grpc.requestCallback<_kvstore_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Reads one key at the store's current revision.
   */
  get(argument: _kvstore_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _kvstore_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _kvstore_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _kvstore_v1_GetRequest, callback: grpc.requestCallback<_kvstore_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reads several keys at one revision.
   */
  GetMany(argument: _kvstore_v1_GetManyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_GetManyResponse__Output>): grpc.ClientUnaryCall;
  GetMany(argument: _kvstore_v1_GetManyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_GetManyResponse__Output>): grpc.ClientUnaryCall;
  GetMany(argument: _kvstore_v1_GetManyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_GetManyResponse__Output>): grpc.ClientUnaryCall;
  GetMany(argument: _kvstore_v1_GetManyRequest, callback: grpc.requestCallback<_kvstore_v1_GetManyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Reads several keys at one revision.
   */
  getMany(argument: _kvstore_v1_GetManyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_GetManyResponse__Output>): grpc.ClientUnaryCall;
  getMany(argument: _kvstore_v1_GetManyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_GetManyResponse__Output>): grpc.ClientUnaryCall;
  getMany(argument: _kvstore_v1_GetManyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_GetManyResponse__Output>): grpc.ClientUnaryCall;
  getMany(argument: _kvstore_v1_GetManyRequest, callback: grpc.requestCallback<_kvstore_v1_GetManyResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Lists keys by prefix or [start, end) range, in UTF-8 byte order, one page at a time.
   */
  List(argument: _kvstore_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _kvstore_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _kvstore_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _kvstore_v1_ListRequest, callback: grpc.requestCallback<_kvstore_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Lists keys by prefix or [start, end) range, in UTF-8 byte order, one page at a time.
   */
  list(argument: _kvstore_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _kvstore_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _kvstore_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _kvstore_v1_ListRequest, callback: grpc.requestCallback<_kvstore_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Sets a key, optionally with a time to live. Answers once the write is durable.
   */
  Set(argument: _kvstore_v1_SetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_SetResponse__Output>): grpc.ClientUnaryCall;
  Set(argument: _kvstore_v1_SetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_SetResponse__Output>): grpc.ClientUnaryCall;
  Set(argument: _kvstore_v1_SetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_SetResponse__Output>): grpc.ClientUnaryCall;
  Set(argument: _kvstore_v1_SetRequest, callback: grpc.requestCallback<_kvstore_v1_SetResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Sets a key, optionally with a time to live. Answers once the write is durable.
   */
  set(argument: _kvstore_v1_SetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_SetResponse__Output>): grpc.ClientUnaryCall;
  set(argument: _kvstore_v1_SetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_SetResponse__Output>): grpc.ClientUnaryCall;
  set(argument: _kvstore_v1_SetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_SetResponse__Output>): grpc.ClientUnaryCall;
  set(argument: _kvstore_v1_SetRequest, callback: grpc.requestCallback<_kvstore_v1_SetResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Sets several distinct keys atomically, as one revision.
   */
  SetMany(argument: _kvstore_v1_SetManyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_SetManyResponse__Output>): grpc.ClientUnaryCall;
  SetMany(argument: _kvstore_v1_SetManyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_SetManyResponse__Output>): grpc.ClientUnaryCall;
  SetMany(argument: _kvstore_v1_SetManyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_SetManyResponse__Output>): grpc.ClientUnaryCall;
  SetMany(argument: _kvstore_v1_SetManyRequest, callback: grpc.requestCallback<_kvstore_v1_SetManyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Sets several distinct keys atomically, as one revision.
   */
  setMany(argument: _kvstore_v1_SetManyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_SetManyResponse__Output>): grpc.ClientUnaryCall;
  setMany(argument: _kvstore_v1_SetManyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_SetManyResponse__Output>): grpc.ClientUnaryCall;
  setMany(argument: _kvstore_v1_SetManyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_SetManyResponse__Output>): grpc.ClientUnaryCall;
  setMany(argument: _kvstore_v1_SetManyRequest, callback: grpc.requestCallback<_kvstore_v1_SetManyResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * etcd's transaction: if every compare holds, the success operations, else the failure operations,
   * atomically, as one revision. At most 128 compares and 128 operations per branch; a branch writes a key
   * at most once.
   */
  Txn(argument: _kvstore_v1_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _kvstore_v1_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _kvstore_v1_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  Txn(argument: _kvstore_v1_TxnRequest, callback: grpc.requestCallback<_kvstore_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  /**
   * etcd's transaction: if every compare holds, the success operations, else the failure operations,
   * atomically, as one revision. At most 128 compares and 128 operations per branch; a branch writes a key
   * at most once.
   */
  txn(argument: _kvstore_v1_TxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _kvstore_v1_TxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _kvstore_v1_TxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  txn(argument: _kvstore_v1_TxnRequest, callback: grpc.requestCallback<_kvstore_v1_TxnResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Streams the changes of a key, a prefix or a range: history from start_revision, then live changes,
   * in revision order, each revision exactly once. A message holds the events of one or more consecutive
   * revisions and never splits a revision (each event's kv.mod_revision is its revision).
   */
  Watch(argument: _kvstore_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_WatchResponse__Output>;
  Watch(argument: _kvstore_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_WatchResponse__Output>;
  /**
   * Streams the changes of a key, a prefix or a range: history from start_revision, then live changes,
   * in revision order, each revision exactly once. A message holds the events of one or more consecutive
   * revisions and never splits a revision (each event's kv.mod_revision is its revision).
   */
  watch(argument: _kvstore_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_WatchResponse__Output>;
  watch(argument: _kvstore_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_WatchResponse__Output>;
  
}

/**
 * Key-value operations and change feeds.
 */
export interface KVHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Deletes a key. Deleting an absent key is not an error (deleted = false) and writes nothing.
   */
  Delete: grpc.handleUnaryCall<_kvstore_v1_DeleteRequest__Output, _kvstore_v1_DeleteResponse>;
  
  /**
   * Deletes those of several keys that exist, atomically, as one revision.
   */
  DeleteMany: grpc.handleUnaryCall<_kvstore_v1_DeleteManyRequest__Output, _kvstore_v1_DeleteManyResponse>;
  
  /**
   * Deletes every key of a prefix, range or pattern as one revision; returns the count (and the values).
   */
  DeleteRange: grpc.handleUnaryCall<_kvstore_v1_DeleteRangeRequest__Output, _kvstore_v1_DeleteRangeResponse>;
  
  /**
   * Reads one key at the store's current revision.
   */
  Get: grpc.handleUnaryCall<_kvstore_v1_GetRequest__Output, _kvstore_v1_GetResponse>;
  
  /**
   * Reads several keys at one revision.
   */
  GetMany: grpc.handleUnaryCall<_kvstore_v1_GetManyRequest__Output, _kvstore_v1_GetManyResponse>;
  
  /**
   * Lists keys by prefix or [start, end) range, in UTF-8 byte order, one page at a time.
   */
  List: grpc.handleUnaryCall<_kvstore_v1_ListRequest__Output, _kvstore_v1_ListResponse>;
  
  /**
   * Sets a key, optionally with a time to live. Answers once the write is durable.
   */
  Set: grpc.handleUnaryCall<_kvstore_v1_SetRequest__Output, _kvstore_v1_SetResponse>;
  
  /**
   * Sets several distinct keys atomically, as one revision.
   */
  SetMany: grpc.handleUnaryCall<_kvstore_v1_SetManyRequest__Output, _kvstore_v1_SetManyResponse>;
  
  /**
   * etcd's transaction: if every compare holds, the success operations, else the failure operations,
   * atomically, as one revision. At most 128 compares and 128 operations per branch; a branch writes a key
   * at most once.
   */
  Txn: grpc.handleUnaryCall<_kvstore_v1_TxnRequest__Output, _kvstore_v1_TxnResponse>;
  
  /**
   * Streams the changes of a key, a prefix or a range: history from start_revision, then live changes,
   * in revision order, each revision exactly once. A message holds the events of one or more consecutive
   * revisions and never splits a revision (each event's kv.mod_revision is its revision).
   */
  Watch: grpc.handleServerStreamingCall<_kvstore_v1_WatchRequest__Output, _kvstore_v1_WatchResponse>;
  
}

export interface KVDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<_kvstore_v1_DeleteRequest, _kvstore_v1_DeleteResponse, _kvstore_v1_DeleteRequest__Output, _kvstore_v1_DeleteResponse__Output>
  DeleteMany: MethodDefinition<_kvstore_v1_DeleteManyRequest, _kvstore_v1_DeleteManyResponse, _kvstore_v1_DeleteManyRequest__Output, _kvstore_v1_DeleteManyResponse__Output>
  DeleteRange: MethodDefinition<_kvstore_v1_DeleteRangeRequest, _kvstore_v1_DeleteRangeResponse, _kvstore_v1_DeleteRangeRequest__Output, _kvstore_v1_DeleteRangeResponse__Output>
  Get: MethodDefinition<_kvstore_v1_GetRequest, _kvstore_v1_GetResponse, _kvstore_v1_GetRequest__Output, _kvstore_v1_GetResponse__Output>
  GetMany: MethodDefinition<_kvstore_v1_GetManyRequest, _kvstore_v1_GetManyResponse, _kvstore_v1_GetManyRequest__Output, _kvstore_v1_GetManyResponse__Output>
  List: MethodDefinition<_kvstore_v1_ListRequest, _kvstore_v1_ListResponse, _kvstore_v1_ListRequest__Output, _kvstore_v1_ListResponse__Output>
  Set: MethodDefinition<_kvstore_v1_SetRequest, _kvstore_v1_SetResponse, _kvstore_v1_SetRequest__Output, _kvstore_v1_SetResponse__Output>
  SetMany: MethodDefinition<_kvstore_v1_SetManyRequest, _kvstore_v1_SetManyResponse, _kvstore_v1_SetManyRequest__Output, _kvstore_v1_SetManyResponse__Output>
  Txn: MethodDefinition<_kvstore_v1_TxnRequest, _kvstore_v1_TxnResponse, _kvstore_v1_TxnRequest__Output, _kvstore_v1_TxnResponse__Output>
  Watch: MethodDefinition<_kvstore_v1_WatchRequest, _kvstore_v1_WatchResponse, _kvstore_v1_WatchRequest__Output, _kvstore_v1_WatchResponse__Output>
}
