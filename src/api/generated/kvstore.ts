import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdminClient as _kvstore_v1_AdminClient, AdminDefinition as _kvstore_v1_AdminDefinition } from './kvstore/v1/Admin.js';
import type { BackupChunk as _kvstore_v1_BackupChunk, BackupChunk__Output as _kvstore_v1_BackupChunk__Output } from './kvstore/v1/BackupChunk.js';
import type { BackupRequest as _kvstore_v1_BackupRequest, BackupRequest__Output as _kvstore_v1_BackupRequest__Output } from './kvstore/v1/BackupRequest.js';
import type { CompactRequest as _kvstore_v1_CompactRequest, CompactRequest__Output as _kvstore_v1_CompactRequest__Output } from './kvstore/v1/CompactRequest.js';
import type { CompactResponse as _kvstore_v1_CompactResponse, CompactResponse__Output as _kvstore_v1_CompactResponse__Output } from './kvstore/v1/CompactResponse.js';
import type { DeleteRequest as _kvstore_v1_DeleteRequest, DeleteRequest__Output as _kvstore_v1_DeleteRequest__Output } from './kvstore/v1/DeleteRequest.js';
import type { DeleteResponse as _kvstore_v1_DeleteResponse, DeleteResponse__Output as _kvstore_v1_DeleteResponse__Output } from './kvstore/v1/DeleteResponse.js';
import type { Event as _kvstore_v1_Event, Event__Output as _kvstore_v1_Event__Output } from './kvstore/v1/Event.js';
import type { GetRequest as _kvstore_v1_GetRequest, GetRequest__Output as _kvstore_v1_GetRequest__Output } from './kvstore/v1/GetRequest.js';
import type { GetResponse as _kvstore_v1_GetResponse, GetResponse__Output as _kvstore_v1_GetResponse__Output } from './kvstore/v1/GetResponse.js';
import type { HashKVRequest as _kvstore_v1_HashKVRequest, HashKVRequest__Output as _kvstore_v1_HashKVRequest__Output } from './kvstore/v1/HashKVRequest.js';
import type { HashKVResponse as _kvstore_v1_HashKVResponse, HashKVResponse__Output as _kvstore_v1_HashKVResponse__Output } from './kvstore/v1/HashKVResponse.js';
import type { KVClient as _kvstore_v1_KVClient, KVDefinition as _kvstore_v1_KVDefinition } from './kvstore/v1/KV.js';
import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from './kvstore/v1/KeyValue.js';
import type { Limits as _kvstore_v1_Limits, Limits__Output as _kvstore_v1_Limits__Output } from './kvstore/v1/Limits.js';
import type { ListRequest as _kvstore_v1_ListRequest, ListRequest__Output as _kvstore_v1_ListRequest__Output } from './kvstore/v1/ListRequest.js';
import type { ListResponse as _kvstore_v1_ListResponse, ListResponse__Output as _kvstore_v1_ListResponse__Output } from './kvstore/v1/ListResponse.js';
import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from './kvstore/v1/ResponseHeader.js';
import type { SetRequest as _kvstore_v1_SetRequest, SetRequest__Output as _kvstore_v1_SetRequest__Output } from './kvstore/v1/SetRequest.js';
import type { SetResponse as _kvstore_v1_SetResponse, SetResponse__Output as _kvstore_v1_SetResponse__Output } from './kvstore/v1/SetResponse.js';
import type { StatusRequest as _kvstore_v1_StatusRequest, StatusRequest__Output as _kvstore_v1_StatusRequest__Output } from './kvstore/v1/StatusRequest.js';
import type { StatusResponse as _kvstore_v1_StatusResponse, StatusResponse__Output as _kvstore_v1_StatusResponse__Output } from './kvstore/v1/StatusResponse.js';
import type { WatchRequest as _kvstore_v1_WatchRequest, WatchRequest__Output as _kvstore_v1_WatchRequest__Output } from './kvstore/v1/WatchRequest.js';
import type { WatchResponse as _kvstore_v1_WatchResponse, WatchResponse__Output as _kvstore_v1_WatchResponse__Output } from './kvstore/v1/WatchResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  kvstore: {
    v1: {
      /**
       * Operator-facing information about the store.
       */
      Admin: SubtypeConstructor<typeof grpc.Client, _kvstore_v1_AdminClient> & { service: _kvstore_v1_AdminDefinition }
      BackupChunk: MessageTypeDefinition<_kvstore_v1_BackupChunk, _kvstore_v1_BackupChunk__Output>
      BackupRequest: MessageTypeDefinition<_kvstore_v1_BackupRequest, _kvstore_v1_BackupRequest__Output>
      CompactRequest: MessageTypeDefinition<_kvstore_v1_CompactRequest, _kvstore_v1_CompactRequest__Output>
      CompactResponse: MessageTypeDefinition<_kvstore_v1_CompactResponse, _kvstore_v1_CompactResponse__Output>
      DeleteRequest: MessageTypeDefinition<_kvstore_v1_DeleteRequest, _kvstore_v1_DeleteRequest__Output>
      DeleteResponse: MessageTypeDefinition<_kvstore_v1_DeleteResponse, _kvstore_v1_DeleteResponse__Output>
      Event: MessageTypeDefinition<_kvstore_v1_Event, _kvstore_v1_Event__Output>
      GetRequest: MessageTypeDefinition<_kvstore_v1_GetRequest, _kvstore_v1_GetRequest__Output>
      GetResponse: MessageTypeDefinition<_kvstore_v1_GetResponse, _kvstore_v1_GetResponse__Output>
      HashKVRequest: MessageTypeDefinition<_kvstore_v1_HashKVRequest, _kvstore_v1_HashKVRequest__Output>
      HashKVResponse: MessageTypeDefinition<_kvstore_v1_HashKVResponse, _kvstore_v1_HashKVResponse__Output>
      /**
       * Key-value operations and change feeds.
       */
      KV: SubtypeConstructor<typeof grpc.Client, _kvstore_v1_KVClient> & { service: _kvstore_v1_KVDefinition }
      KeyValue: MessageTypeDefinition<_kvstore_v1_KeyValue, _kvstore_v1_KeyValue__Output>
      Limits: MessageTypeDefinition<_kvstore_v1_Limits, _kvstore_v1_Limits__Output>
      ListRequest: MessageTypeDefinition<_kvstore_v1_ListRequest, _kvstore_v1_ListRequest__Output>
      ListResponse: MessageTypeDefinition<_kvstore_v1_ListResponse, _kvstore_v1_ListResponse__Output>
      ResponseHeader: MessageTypeDefinition<_kvstore_v1_ResponseHeader, _kvstore_v1_ResponseHeader__Output>
      SetRequest: MessageTypeDefinition<_kvstore_v1_SetRequest, _kvstore_v1_SetRequest__Output>
      SetResponse: MessageTypeDefinition<_kvstore_v1_SetResponse, _kvstore_v1_SetResponse__Output>
      StatusRequest: MessageTypeDefinition<_kvstore_v1_StatusRequest, _kvstore_v1_StatusRequest__Output>
      StatusResponse: MessageTypeDefinition<_kvstore_v1_StatusResponse, _kvstore_v1_StatusResponse__Output>
      WatchRequest: MessageTypeDefinition<_kvstore_v1_WatchRequest, _kvstore_v1_WatchRequest__Output>
      WatchResponse: MessageTypeDefinition<_kvstore_v1_WatchResponse, _kvstore_v1_WatchResponse__Output>
    }
  }
}

