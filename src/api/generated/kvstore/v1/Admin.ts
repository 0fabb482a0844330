// Original file: proto/kvstore/v1/kvstore.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BackupChunk as _kvstore_v1_BackupChunk, BackupChunk__Output as _kvstore_v1_BackupChunk__Output } from '../../kvstore/v1/BackupChunk.js';
import type { BackupRequest as _kvstore_v1_BackupRequest, BackupRequest__Output as _kvstore_v1_BackupRequest__Output } from '../../kvstore/v1/BackupRequest.js';
import type { CompactRequest as _kvstore_v1_CompactRequest, CompactRequest__Output as _kvstore_v1_CompactRequest__Output } from '../../kvstore/v1/CompactRequest.js';
import type { CompactResponse as _kvstore_v1_CompactResponse, CompactResponse__Output as _kvstore_v1_CompactResponse__Output } from '../../kvstore/v1/CompactResponse.js';
import type { HashKVRequest as _kvstore_v1_HashKVRequest, HashKVRequest__Output as _kvstore_v1_HashKVRequest__Output } from '../../kvstore/v1/HashKVRequest.js';
import type { HashKVResponse as _kvstore_v1_HashKVResponse, HashKVResponse__Output as _kvstore_v1_HashKVResponse__Output } from '../../kvstore/v1/HashKVResponse.js';
import type { StatusRequest as _kvstore_v1_StatusRequest, StatusRequest__Output as _kvstore_v1_StatusRequest__Output } from '../../kvstore/v1/StatusRequest.js';
import type { StatusResponse as _kvstore_v1_StatusResponse, StatusResponse__Output as _kvstore_v1_StatusResponse__Output } from '../../kvstore/v1/StatusResponse.js';

/**
 * Operator-facing information about the store.
 */
export interface AdminClient extends grpc.Client {
  /**
   * Streams a backup file (format in docs/backup.md): a full backup (the state now plus the records
   * committed while it is written) or an incremental one (the records from from_revision on). Concatenate
   * the chunks' data in order to get the file. OUT_OF_RANGE when from_revision is compacted or in the future.
   */
  Backup(argument: _kvstore_v1_BackupRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_BackupChunk__Output>;
  Backup(argument: _kvstore_v1_BackupRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_BackupChunk__Output>;
  /**
   * Streams a backup file (format in docs/backup.md): a full backup (the state now plus the records
   * committed while it is written) or an incremental one (the records from from_revision on). Concatenate
   * the chunks' data in order to get the file. OUT_OF_RANGE when from_revision is compacted or in the future.
   */
  backup(argument: _kvstore_v1_BackupRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_BackupChunk__Output>;
  backup(argument: _kvstore_v1_BackupRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_kvstore_v1_BackupChunk__Output>;
  
  /**
   * Drops the log history before revision, keeping the state (a checkpoint is written first if needed).
   * Physical: the records are deleted when it answers. OUT_OF_RANGE when revision is already compacted or
   * beyond the current revision; ABORTED while a backup still reads that history.
   */
  Compact(argument: _kvstore_v1_CompactRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  Compact(argument: _kvstore_v1_CompactRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  Compact(argument: _kvstore_v1_CompactRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  Compact(argument: _kvstore_v1_CompactRequest, callback: grpc.requestCallback<_kvstore_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Drops the log history before revision, keeping the state (a checkpoint is written first if needed).
   * Physical: the records are deleted when it answers. OUT_OF_RANGE when revision is already compacted or
   * beyond the current revision; ABORTED while a backup still reads that history.
   */
  compact(argument: _kvstore_v1_CompactRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  compact(argument: _kvstore_v1_CompactRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  compact(argument: _kvstore_v1_CompactRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  compact(argument: _kvstore_v1_CompactRequest, callback: grpc.requestCallback<_kvstore_v1_CompactResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A SHA-256 of the key state at a revision (definition in docs/backup.md), to compare two stores or a
   * store and a restored backup.
   */
  HashKV(argument: _kvstore_v1_HashKVRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  HashKV(argument: _kvstore_v1_HashKVRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  HashKV(argument: _kvstore_v1_HashKVRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  HashKV(argument: _kvstore_v1_HashKVRequest, callback: grpc.requestCallback<_kvstore_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A SHA-256 of the key state at a revision (definition in docs/backup.md), to compare two stores or a
   * store and a restored backup.
   */
  hashKv(argument: _kvstore_v1_HashKVRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  hashKv(argument: _kvstore_v1_HashKVRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  hashKv(argument: _kvstore_v1_HashKVRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  hashKv(argument: _kvstore_v1_HashKVRequest, callback: grpc.requestCallback<_kvstore_v1_HashKVResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Version, revisions, key count, backend and uptime.
   */
  Status(argument: _kvstore_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _kvstore_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _kvstore_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  Status(argument: _kvstore_v1_StatusRequest, callback: grpc.requestCallback<_kvstore_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Version, revisions, key count, backend and uptime.
   */
  status(argument: _kvstore_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _kvstore_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_kvstore_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _kvstore_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_kvstore_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  status(argument: _kvstore_v1_StatusRequest, callback: grpc.requestCallback<_kvstore_v1_StatusResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Operator-facing information about the store.
 */
export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Streams a backup file (format in docs/backup.md): a full backup (the state now plus the records
   * committed while it is written) or an incremental one (the records from from_revision on). Concatenate
   * the chunks' data in order to get the file. OUT_OF_RANGE when from_revision is compacted or in the future.
   */
  Backup: grpc.handleServerStreamingCall<_kvstore_v1_BackupRequest__Output, _kvstore_v1_BackupChunk>;
  
  /**
   * Drops the log history before revision, keeping the state (a checkpoint is written first if needed).
   * Physical: the records are deleted when it answers. OUT_OF_RANGE when revision is already compacted or
   * beyond the current revision; ABORTED while a backup still reads that history.
   */
  Compact: grpc.handleUnaryCall<_kvstore_v1_CompactRequest__Output, _kvstore_v1_CompactResponse>;
  
  /**
   * A SHA-256 of the key state at a revision (definition in docs/backup.md), to compare two stores or a
   * store and a restored backup.
   */
  HashKV: grpc.handleUnaryCall<_kvstore_v1_HashKVRequest__Output, _kvstore_v1_HashKVResponse>;
  
  /**
   * Version, revisions, key count, backend and uptime.
   */
  Status: grpc.handleUnaryCall<_kvstore_v1_StatusRequest__Output, _kvstore_v1_StatusResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  Backup: MethodDefinition<_kvstore_v1_BackupRequest, _kvstore_v1_BackupChunk, _kvstore_v1_BackupRequest__Output, _kvstore_v1_BackupChunk__Output>
  Compact: MethodDefinition<_kvstore_v1_CompactRequest, _kvstore_v1_CompactResponse, _kvstore_v1_CompactRequest__Output, _kvstore_v1_CompactResponse__Output>
  HashKV: MethodDefinition<_kvstore_v1_HashKVRequest, _kvstore_v1_HashKVResponse, _kvstore_v1_HashKVRequest__Output, _kvstore_v1_HashKVResponse__Output>
  Status: MethodDefinition<_kvstore_v1_StatusRequest, _kvstore_v1_StatusResponse, _kvstore_v1_StatusRequest__Output, _kvstore_v1_StatusResponse__Output>
}
