import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdminClient as _kvstore_v1_AdminClient, AdminDefinition as _kvstore_v1_AdminDefinition } from './kvstore/v1/Admin.js';
import type { BackupChunk as _kvstore_v1_BackupChunk, BackupChunk__Output as _kvstore_v1_BackupChunk__Output } from './kvstore/v1/BackupChunk.js';
import type { BackupRequest as _kvstore_v1_BackupRequest, BackupRequest__Output as _kvstore_v1_BackupRequest__Output } from './kvstore/v1/BackupRequest.js';
import type { Caller as _kvstore_v1_Caller, Caller__Output as _kvstore_v1_Caller__Output } from './kvstore/v1/Caller.js';
import type { CallerGrants as _kvstore_v1_CallerGrants, CallerGrants__Output as _kvstore_v1_CallerGrants__Output } from './kvstore/v1/CallerGrants.js';
import type { CallerRateLimit as _kvstore_v1_CallerRateLimit, CallerRateLimit__Output as _kvstore_v1_CallerRateLimit__Output } from './kvstore/v1/CallerRateLimit.js';
import type { ClusterStatus as _kvstore_v1_ClusterStatus, ClusterStatus__Output as _kvstore_v1_ClusterStatus__Output } from './kvstore/v1/ClusterStatus.js';
import type { CompactRequest as _kvstore_v1_CompactRequest, CompactRequest__Output as _kvstore_v1_CompactRequest__Output } from './kvstore/v1/CompactRequest.js';
import type { CompactResponse as _kvstore_v1_CompactResponse, CompactResponse__Output as _kvstore_v1_CompactResponse__Output } from './kvstore/v1/CompactResponse.js';
import type { Compare as _kvstore_v1_Compare, Compare__Output as _kvstore_v1_Compare__Output } from './kvstore/v1/Compare.js';
import type { Condition as _kvstore_v1_Condition, Condition__Output as _kvstore_v1_Condition__Output } from './kvstore/v1/Condition.js';
import type { DeleteManyRequest as _kvstore_v1_DeleteManyRequest, DeleteManyRequest__Output as _kvstore_v1_DeleteManyRequest__Output } from './kvstore/v1/DeleteManyRequest.js';
import type { DeleteManyResponse as _kvstore_v1_DeleteManyResponse, DeleteManyResponse__Output as _kvstore_v1_DeleteManyResponse__Output } from './kvstore/v1/DeleteManyResponse.js';
import type { DeleteRangeRequest as _kvstore_v1_DeleteRangeRequest, DeleteRangeRequest__Output as _kvstore_v1_DeleteRangeRequest__Output } from './kvstore/v1/DeleteRangeRequest.js';
import type { DeleteRangeResponse as _kvstore_v1_DeleteRangeResponse, DeleteRangeResponse__Output as _kvstore_v1_DeleteRangeResponse__Output } from './kvstore/v1/DeleteRangeResponse.js';
import type { DeleteRequest as _kvstore_v1_DeleteRequest, DeleteRequest__Output as _kvstore_v1_DeleteRequest__Output } from './kvstore/v1/DeleteRequest.js';
import type { DeleteResponse as _kvstore_v1_DeleteResponse, DeleteResponse__Output as _kvstore_v1_DeleteResponse__Output } from './kvstore/v1/DeleteResponse.js';
import type { Event as _kvstore_v1_Event, Event__Output as _kvstore_v1_Event__Output } from './kvstore/v1/Event.js';
import type { GetManyRequest as _kvstore_v1_GetManyRequest, GetManyRequest__Output as _kvstore_v1_GetManyRequest__Output } from './kvstore/v1/GetManyRequest.js';
import type { GetManyResponse as _kvstore_v1_GetManyResponse, GetManyResponse__Output as _kvstore_v1_GetManyResponse__Output } from './kvstore/v1/GetManyResponse.js';
import type { GetRequest as _kvstore_v1_GetRequest, GetRequest__Output as _kvstore_v1_GetRequest__Output } from './kvstore/v1/GetRequest.js';
import type { GetResponse as _kvstore_v1_GetResponse, GetResponse__Output as _kvstore_v1_GetResponse__Output } from './kvstore/v1/GetResponse.js';
import type { HashKVRequest as _kvstore_v1_HashKVRequest, HashKVRequest__Output as _kvstore_v1_HashKVRequest__Output } from './kvstore/v1/HashKVRequest.js';
import type { HashKVResponse as _kvstore_v1_HashKVResponse, HashKVResponse__Output as _kvstore_v1_HashKVResponse__Output } from './kvstore/v1/HashKVResponse.js';
import type { HistoryCheck as _kvstore_v1_HistoryCheck, HistoryCheck__Output as _kvstore_v1_HistoryCheck__Output } from './kvstore/v1/HistoryCheck.js';
import type { KVClient as _kvstore_v1_KVClient, KVDefinition as _kvstore_v1_KVDefinition } from './kvstore/v1/KV.js';
import type { KeyValue as _kvstore_v1_KeyValue, KeyValue__Output as _kvstore_v1_KeyValue__Output } from './kvstore/v1/KeyValue.js';
import type { Limits as _kvstore_v1_Limits, Limits__Output as _kvstore_v1_Limits__Output } from './kvstore/v1/Limits.js';
import type { ListRequest as _kvstore_v1_ListRequest, ListRequest__Output as _kvstore_v1_ListRequest__Output } from './kvstore/v1/ListRequest.js';
import type { ListResponse as _kvstore_v1_ListResponse, ListResponse__Output as _kvstore_v1_ListResponse__Output } from './kvstore/v1/ListResponse.js';
import type { LogReplica as _kvstore_v1_LogReplica, LogReplica__Output as _kvstore_v1_LogReplica__Output } from './kvstore/v1/LogReplica.js';
import type { NatsStatus as _kvstore_v1_NatsStatus, NatsStatus__Output as _kvstore_v1_NatsStatus__Output } from './kvstore/v1/NatsStatus.js';
import type { RangeRequest as _kvstore_v1_RangeRequest, RangeRequest__Output as _kvstore_v1_RangeRequest__Output } from './kvstore/v1/RangeRequest.js';
import type { RangeResponse as _kvstore_v1_RangeResponse, RangeResponse__Output as _kvstore_v1_RangeResponse__Output } from './kvstore/v1/RangeResponse.js';
import type { RequestOp as _kvstore_v1_RequestOp, RequestOp__Output as _kvstore_v1_RequestOp__Output } from './kvstore/v1/RequestOp.js';
import type { ResponseHeader as _kvstore_v1_ResponseHeader, ResponseHeader__Output as _kvstore_v1_ResponseHeader__Output } from './kvstore/v1/ResponseHeader.js';
import type { ResponseOp as _kvstore_v1_ResponseOp, ResponseOp__Output as _kvstore_v1_ResponseOp__Output } from './kvstore/v1/ResponseOp.js';
import type { SetItem as _kvstore_v1_SetItem, SetItem__Output as _kvstore_v1_SetItem__Output } from './kvstore/v1/SetItem.js';
import type { SetManyRequest as _kvstore_v1_SetManyRequest, SetManyRequest__Output as _kvstore_v1_SetManyRequest__Output } from './kvstore/v1/SetManyRequest.js';
import type { SetManyResponse as _kvstore_v1_SetManyResponse, SetManyResponse__Output as _kvstore_v1_SetManyResponse__Output } from './kvstore/v1/SetManyResponse.js';
import type { SetRequest as _kvstore_v1_SetRequest, SetRequest__Output as _kvstore_v1_SetRequest__Output } from './kvstore/v1/SetRequest.js';
import type { SetResponse as _kvstore_v1_SetResponse, SetResponse__Output as _kvstore_v1_SetResponse__Output } from './kvstore/v1/SetResponse.js';
import type { StatusRequest as _kvstore_v1_StatusRequest, StatusRequest__Output as _kvstore_v1_StatusRequest__Output } from './kvstore/v1/StatusRequest.js';
import type { StatusResponse as _kvstore_v1_StatusResponse, StatusResponse__Output as _kvstore_v1_StatusResponse__Output } from './kvstore/v1/StatusResponse.js';
import type { TxnRequest as _kvstore_v1_TxnRequest, TxnRequest__Output as _kvstore_v1_TxnRequest__Output } from './kvstore/v1/TxnRequest.js';
import type { TxnResponse as _kvstore_v1_TxnResponse, TxnResponse__Output as _kvstore_v1_TxnResponse__Output } from './kvstore/v1/TxnResponse.js';
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
      Caller: MessageTypeDefinition<_kvstore_v1_Caller, _kvstore_v1_Caller__Output>
      CallerGrants: MessageTypeDefinition<_kvstore_v1_CallerGrants, _kvstore_v1_CallerGrants__Output>
      CallerRateLimit: MessageTypeDefinition<_kvstore_v1_CallerRateLimit, _kvstore_v1_CallerRateLimit__Output>
      ClusterStatus: MessageTypeDefinition<_kvstore_v1_ClusterStatus, _kvstore_v1_ClusterStatus__Output>
      CompactRequest: MessageTypeDefinition<_kvstore_v1_CompactRequest, _kvstore_v1_CompactRequest__Output>
      CompactResponse: MessageTypeDefinition<_kvstore_v1_CompactResponse, _kvstore_v1_CompactResponse__Output>
      Compare: MessageTypeDefinition<_kvstore_v1_Compare, _kvstore_v1_Compare__Output>
      Condition: MessageTypeDefinition<_kvstore_v1_Condition, _kvstore_v1_Condition__Output>
      DeleteManyRequest: MessageTypeDefinition<_kvstore_v1_DeleteManyRequest, _kvstore_v1_DeleteManyRequest__Output>
      DeleteManyResponse: MessageTypeDefinition<_kvstore_v1_DeleteManyResponse, _kvstore_v1_DeleteManyResponse__Output>
      DeleteRangeRequest: MessageTypeDefinition<_kvstore_v1_DeleteRangeRequest, _kvstore_v1_DeleteRangeRequest__Output>
      DeleteRangeResponse: MessageTypeDefinition<_kvstore_v1_DeleteRangeResponse, _kvstore_v1_DeleteRangeResponse__Output>
      DeleteRequest: MessageTypeDefinition<_kvstore_v1_DeleteRequest, _kvstore_v1_DeleteRequest__Output>
      DeleteResponse: MessageTypeDefinition<_kvstore_v1_DeleteResponse, _kvstore_v1_DeleteResponse__Output>
      Event: MessageTypeDefinition<_kvstore_v1_Event, _kvstore_v1_Event__Output>
      GetManyRequest: MessageTypeDefinition<_kvstore_v1_GetManyRequest, _kvstore_v1_GetManyRequest__Output>
      GetManyResponse: MessageTypeDefinition<_kvstore_v1_GetManyResponse, _kvstore_v1_GetManyResponse__Output>
      GetRequest: MessageTypeDefinition<_kvstore_v1_GetRequest, _kvstore_v1_GetRequest__Output>
      GetResponse: MessageTypeDefinition<_kvstore_v1_GetResponse, _kvstore_v1_GetResponse__Output>
      HashKVRequest: MessageTypeDefinition<_kvstore_v1_HashKVRequest, _kvstore_v1_HashKVRequest__Output>
      HashKVResponse: MessageTypeDefinition<_kvstore_v1_HashKVResponse, _kvstore_v1_HashKVResponse__Output>
      HistoryCheck: MessageTypeDefinition<_kvstore_v1_HistoryCheck, _kvstore_v1_HistoryCheck__Output>
      /**
       * Key-value operations and change feeds.
       */
      KV: SubtypeConstructor<typeof grpc.Client, _kvstore_v1_KVClient> & { service: _kvstore_v1_KVDefinition }
      KeyValue: MessageTypeDefinition<_kvstore_v1_KeyValue, _kvstore_v1_KeyValue__Output>
      Limits: MessageTypeDefinition<_kvstore_v1_Limits, _kvstore_v1_Limits__Output>
      ListRequest: MessageTypeDefinition<_kvstore_v1_ListRequest, _kvstore_v1_ListRequest__Output>
      ListResponse: MessageTypeDefinition<_kvstore_v1_ListResponse, _kvstore_v1_ListResponse__Output>
      LogReplica: MessageTypeDefinition<_kvstore_v1_LogReplica, _kvstore_v1_LogReplica__Output>
      NatsStatus: MessageTypeDefinition<_kvstore_v1_NatsStatus, _kvstore_v1_NatsStatus__Output>
      RangeRequest: MessageTypeDefinition<_kvstore_v1_RangeRequest, _kvstore_v1_RangeRequest__Output>
      RangeResponse: MessageTypeDefinition<_kvstore_v1_RangeResponse, _kvstore_v1_RangeResponse__Output>
      RequestOp: MessageTypeDefinition<_kvstore_v1_RequestOp, _kvstore_v1_RequestOp__Output>
      ResponseHeader: MessageTypeDefinition<_kvstore_v1_ResponseHeader, _kvstore_v1_ResponseHeader__Output>
      ResponseOp: MessageTypeDefinition<_kvstore_v1_ResponseOp, _kvstore_v1_ResponseOp__Output>
      SetItem: MessageTypeDefinition<_kvstore_v1_SetItem, _kvstore_v1_SetItem__Output>
      SetManyRequest: MessageTypeDefinition<_kvstore_v1_SetManyRequest, _kvstore_v1_SetManyRequest__Output>
      SetManyResponse: MessageTypeDefinition<_kvstore_v1_SetManyResponse, _kvstore_v1_SetManyResponse__Output>
      SetRequest: MessageTypeDefinition<_kvstore_v1_SetRequest, _kvstore_v1_SetRequest__Output>
      SetResponse: MessageTypeDefinition<_kvstore_v1_SetResponse, _kvstore_v1_SetResponse__Output>
      StatusRequest: MessageTypeDefinition<_kvstore_v1_StatusRequest, _kvstore_v1_StatusRequest__Output>
      StatusResponse: MessageTypeDefinition<_kvstore_v1_StatusResponse, _kvstore_v1_StatusResponse__Output>
      TxnRequest: MessageTypeDefinition<_kvstore_v1_TxnRequest, _kvstore_v1_TxnRequest__Output>
      TxnResponse: MessageTypeDefinition<_kvstore_v1_TxnResponse, _kvstore_v1_TxnResponse__Output>
      WatchRequest: MessageTypeDefinition<_kvstore_v1_WatchRequest, _kvstore_v1_WatchRequest__Output>
      WatchResponse: MessageTypeDefinition<_kvstore_v1_WatchResponse, _kvstore_v1_WatchResponse__Output>
    }
  }
}

