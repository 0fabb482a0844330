import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { AdminOperations } from '../../service/admin-operations.js';
import type { AdminHandlers } from '../generated/kvstore/v1/Admin.js';
import type { StatusRequest__Output } from '../generated/kvstore/v1/StatusRequest.js';
import type { StatusResponse } from '../generated/kvstore/v1/StatusResponse.js';
import { maintenanceHandlers } from './maintenance-service.js';
import type { HandlerContext } from './unary.js';
import { unary } from './unary.js';

/** Handlers of kvstore.v1.Admin, over the service's admin operations. */
export function adminHandlers(
  ops: AdminOperations,
  ctx: HandlerContext,
): AdminHandlers & UntypedServiceImplementation {
  return {
    ...maintenanceHandlers(ops, ctx),
    Status: unary<StatusRequest__Output, StatusResponse>('Status', ctx, (_request, access) =>
      ops.status(access),
    ),
  };
}
