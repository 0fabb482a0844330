// Original file: proto/kvstore/v1/kvstore.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteRequest as _kvstore_v1_DeleteRequest, DeleteRequest__Output as _kvstore_v1_DeleteRequest__Output } from '../../kvstore/v1/DeleteRequest.js';
import type { DeleteResponse as _kvstore_v1_DeleteResponse, DeleteResponse__Output as _kvstore_v1_DeleteResponse__Output } from '../../kvstore/v1/DeleteResponse.js';
import type { GetRequest as _kvstore_v1_GetRequest, GetRequest__Output as _kvstore_v1_GetRequest__Output } from '../../kvstore/v1/GetRequest.js';
import type { GetResponse as _kvstore_v1_GetResponse, GetResponse__Output as _kvstore_v1_GetResponse__Output } from '../../kvstore/v1/GetResponse.js';
import type { ListRequest as _kvstore_v1_ListRequest, ListRequest__Output as _kvstore_v1_ListRequest__Output } from '../../kvstore/v1/ListRequest.js';
import type { ListResponse as _kvstore_v1_ListResponse, ListResponse__Output as _kvstore_v1_ListResponse__Output } from '../../kvstore/v1/ListResponse.js';
import type { SetRequest as _kvstore_v1_SetRequest, SetRequest__Output as _kvstore_v1_SetRequest__Output } from '../../kvstore/v1/SetRequest.js';
import type { SetResponse as _kvstore_v1_SetResponse, SetResponse__Output as _kvstore_v1_SetResponse__Output } from '../../kvstore/v1/SetResponse.js';
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
   * Streams the changes of a key, a prefix or a range: history from start_revision, then live changes,
   * in revision order, each revision exactly once; all events of one revision in one message.
   */
  Watch(argument: _kvstore_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_WatchResponse__Output>;
  Watch(argument: _kvstore_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_WatchResponse__Output>;
  /**
   * Streams the changes of a key, a prefix or a range: history from start_revision, then live changes,
   * in revision order, each revision exactly once; all events of one revision in one message.
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
   * Reads one key at the store's current revision.
   */
  Get: grpc.handleUnaryCall<_kvstore_v1_GetRequest__Output, _kvstore_v1_GetResponse>;
  
  /**
   * Lists keys by prefix or [start, end) range, in UTF-8 byte order, one page at a time.
   */
  List: grpc.handleUnaryCall<_kvstore_v1_ListRequest__Output, _kvstore_v1_ListResponse>;
  
  /**
   * Sets a key, optionally with a time to live. Answers once the write is durable.
   */
  Set: grpc.handleUnaryCall<_kvstore_v1_SetRequest__Output, _kvstore_v1_SetResponse>;
  
  /**
   * Streams the changes of a key, a prefix or a range: history from start_revision, then live changes,
   * in revision order, each revision exactly once; all events of one revision in one message.
   */
  Watch: grpc.handleServerStreamingCall<_kvstore_v1_WatchRequest__Output, _kvstore_v1_WatchResponse>;
  
}

export interface KVDefinition extends grpc.ServiceDefinition {
  Delete: MethodDefinition<_kvstore_v1_DeleteRequest, _kvstore_v1_DeleteResponse, _kvstore_v1_DeleteRequest__Output, _kvstore_v1_DeleteResponse__Output>
  Get: MethodDefinition<_kvstore_v1_GetRequest, _kvstore_v1_GetResponse, _kvstore_v1_GetRequest__Output, _kvstore_v1_GetResponse__Output>
  List: MethodDefinition<_kvstore_v1_ListRequest, _kvstore_v1_ListResponse, _kvstore_v1_ListRequest__Output, _kvstore_v1_ListResponse__Output>
  Set: MethodDefinition<_kvstore_v1_SetRequest, _kvstore_v1_SetResponse, _kvstore_v1_SetRequest__Output, _kvstore_v1_SetResponse__Output>
  Watch: MethodDefinition<_kvstore_v1_WatchRequest, _kvstore_v1_WatchResponse, _kvstore_v1_WatchRequest__Output, _kvstore_v1_WatchResponse__Output>
}
