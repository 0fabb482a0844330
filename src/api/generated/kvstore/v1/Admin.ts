// Original file: proto/kvstore/v1/kvstore.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { StatusRequest as _kvstore_v1_StatusRequest, StatusRequest__Output as _kvstore_v1_StatusRequest__Output } from '../../kvstore/v1/StatusRequest.js';
import type { StatusResponse as _kvstore_v1_StatusResponse, StatusResponse__Output as _kvstore_v1_StatusResponse__Output } from '../../kvstore/v1/StatusResponse.js';

/**
 * Operator-facing information about the store.
 */
export interface AdminClient extends grpc.Client {
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
   * Version, revisions, key count, backend and uptime.
   */
  Status: grpc.handleUnaryCall<_kvstore_v1_StatusRequest__Output, _kvstore_v1_StatusResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  Status: MethodDefinition<_kvstore_v1_StatusRequest, _kvstore_v1_StatusResponse, _kvstore_v1_StatusRequest__Output, _kvstore_v1_StatusResponse__Output>
}
