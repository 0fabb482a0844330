import { type Metadata, status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { RefusalReason } from '../../security/principal.js';
import type { Access } from '../../service/access.js';
import { ETCD_AUTH_ERRORS, type EtcdAuthOperations } from '../../service/etcd-auth.js';
import { etcdserverpb } from './proto.js';
import type { ServiceEntry } from './services.js';

/** The etcd API's gRPC path prefix (the gate answers its refusals as etcd does). */
export const ETCD_PATH_PREFIX = '/etcdserverpb.';

/** Answered without credentials: an etcd client calls it to get the token it then sends. */
export const ETCD_AUTHENTICATE_PATH = '/etcdserverpb.Auth/Authenticate';

/** etcd clients send the token Authenticate gave them as `token` metadata (rpctypes.TokenFieldNameGRPC). */
export const ETCD_TOKEN_METADATA = 'token';

/**
 * The `authorization` value an etcd client's `token` metadata stands for (the token is the credential
 * itself: see EtcdAuthOperations.authenticate), or undefined when it sent none (or more than one).
 */
export function etcdTokenAuthorization(metadata: Metadata): string | undefined {
  const tokens = metadata.get(ETCD_TOKEN_METADATA);
  return tokens.length === 1 && typeof tokens[0] === 'string' && tokens[0] !== ''
    ? `Bearer ${tokens[0]}`
    : undefined;
}

/**
 * A refusal of the gate as etcd answers it: no credential at all is etcd's "user name is empty"
 * (INVALID_ARGUMENT), any refused one its "invalid auth token" (UNAUTHENTICATED, on which etcd clients
 * authenticate again and retry once).
 */
export function etcdRefusal(reason: RefusalReason): { code: status; details: string } {
  return reason === 'missing'
    ? { code: status.INVALID_ARGUMENT, details: ETCD_AUTH_ERRORS.userEmpty }
    : { code: status.UNAUTHENTICATED, details: ETCD_AUTH_ERRORS.invalidToken };
}

/** etcdserverpb.Auth: read-only over kvstore's keys file and roles. */
export function etcdAuthService(
  auth: EtcdAuthOperations,
  call: <Req, Res>(method: string, run: (request: Req, access: Access) => Res | Promise<Res>) => unknown,
  now: () => object,
): ServiceEntry {
  const readOnly = (what: string) => call(what, () => auth.readOnly(what));
  const implementation = {
    Authenticate: call('Authenticate', async (r: { name: string; password: string }) => ({
      header: now(),
      token: await auth.authenticate(r.name, r.password),
    })),
    AuthStatus: call('AuthStatus', () => ({
      header: now(),
      enabled: auth.enabled,
      authRevision: auth.enabled ? 1 : 0,
    })),
    UserList: call('UserList', (_r: unknown, access) => ({ header: now(), users: auth.userList(access) })),
    UserGet: call('UserGet', (r: { name: string }, access) => ({
      header: now(),
      roles: auth.userGet(r.name, access),
    })),
    RoleList: call('RoleList', (_r: unknown, access) => ({ header: now(), roles: auth.roleList(access) })),
    RoleGet: call('RoleGet', (r: { role: string }, access) => ({
      header: now(),
      perm: auth.roleGet(r.role, access),
    })),
    AuthEnable: readOnly('AuthEnable'),
    AuthDisable: readOnly('AuthDisable'),
    UserAdd: readOnly('UserAdd'),
    UserDelete: readOnly('UserDelete'),
    UserChangePassword: readOnly('UserChangePassword'),
    UserGrantRole: readOnly('UserGrantRole'),
    UserRevokeRole: readOnly('UserRevokeRole'),
    RoleAdd: readOnly('RoleAdd'),
    RoleDelete: readOnly('RoleDelete'),
    RoleGrantPermission: readOnly('RoleGrantPermission'),
    RoleRevokePermission: readOnly('RoleRevokePermission'),
  } as UntypedServiceImplementation;
  return { definition: etcdserverpb.Auth.service, implementation };
}
