import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { BUILT_IN_ROLES } from '../../security/roles.js';
import type { AdminOperations } from '../../service/admin-operations.js';
import { type WhoAmI, whoAmI } from '../../service/whoami.js';
import type { AdminHandlers } from '../generated/kvstore/v1/Admin.js';
import type { Caller } from '../generated/kvstore/v1/Caller.js';
import type { StatusRequest__Output } from '../generated/kvstore/v1/StatusRequest.js';
import type { StatusResponse } from '../generated/kvstore/v1/StatusResponse.js';
import { principalOf } from './call-principal.js';
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
    Status: unary<StatusRequest__Output, StatusResponse>('Status', ctx, async (_request, access, call) => {
      const status: StatusResponse = await ops.status(access);
      // Who the gate admitted (GET /v1/whoami's answer), when authentication is on.
      const principal = principalOf(call.metadata);
      if (principal === undefined) return status;
      const caller = whoAmI(principal, access, ctx.roles?.() ?? BUILT_IN_ROLES);
      return caller.principal === null ? status : { ...status, caller: callerWire(caller) };
    }),
  };
}

/** The caller as kvstore.v1's Caller message (an absent namespace is empty on the wire). */
function callerWire(caller: Extract<WhoAmI, { auth: 'on' }>): Caller {
  const { grants } = caller;
  return {
    principal: caller.principal,
    via: caller.via,
    roles: [...caller.roles],
    unknown_roles: [...caller.unknown_roles],
    grants: {
      read: [...grants.read],
      write: [...grants.write],
      admin: grants.admin,
      rate_limit: grants.rate_limit,
      namespace: grants.namespace ?? '',
    },
  };
}
