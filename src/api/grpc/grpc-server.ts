import { dirname } from 'node:path';
import {
  ServerCredentials,
  type ServerInterceptor,
  type ServiceDefinition,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { kvstoreV1, LOADER_OPTIONS, packageDefinition } from '../proto.js';
import { StrictServer } from '../wire/strict-server.js';
import { type FastUnary, type FastUnaryPlan, installFastUnary } from './fast-unary-hook.js';
import { gracefulShutdown } from './graceful-shutdown.js';
import { kvServiceDefinition } from './watch-service.js';

/** The services one server exposes, as handler maps. */
export interface ServiceHandlers {
  readonly kv: UntypedServiceImplementation;
  readonly admin: UntypedServiceImplementation;
}

/** Transport settings of the gRPC server. */
export interface GrpcServerOptions {
  /** HOST:PORT; port 0 picks a free port (see {@link RunningGrpcServer.port}). */
  readonly listen: string;
  /** Largest request accepted by the transport; larger ones fail with RESOURCE_EXHAUSTED. */
  readonly maxReceiveBytes: number;
  /** Largest response the server sends. */
  readonly maxSendBytes: number;
  /** Hears of requests refused before any handler (malformed bodies: INVALID_ARGUMENT). */
  readonly onRefused?: RefusedRequest;
  /** Run on every call, e.g. admission control (see admission.ts). */
  readonly interceptors?: readonly ServerInterceptor[];
  /** Further services served beside kvstore.v1 (the etcd API, src/api/etcd/). */
  readonly extraServices?: readonly ExtraService[];
  /** TLS or mTLS (src/security/tls.ts); plaintext when absent. */
  readonly credentials?: ServerCredentials;
  /**
   * Unary calls served by fast-unary.ts under this admission instead of grpc-js's call objects; only for a
   * server whose interceptors do nothing to unary calls but admission's (no credentials, rate limits or
   * tracing), `except` naming the paths another interceptor watches.
   */
  readonly fastUnary?: FastUnaryPlan;
}

/** A service and its handlers, added to the server as they are. */
export interface ExtraService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** A request answered before any handler saw it: its method path, the status and the details sent. */
export type RefusedRequest = (path: string, code: status, details: string) => void;

/** A bound, serving gRPC server. */
export interface RunningGrpcServer {
  readonly port: number;
  readonly health: HealthImplementation;
  /** Every method path the server answers (kvstore.v1, extra services, health, reflection). */
  readonly methodPaths: readonly string[];
  /** The fast path of unary calls, when asked for and installed (null: grpc-js serves every call). */
  readonly fastUnary: FastUnary | null;
  /** Stops accepting calls, lets in-flight ones finish for up to `timeoutMs`, then cancels the rest. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** The services' names as grpc.health.v1 reports them. */
export const SERVICE_NAMES = ['kvstore.v1.KV', 'kvstore.v1.Admin'] as const;

/** Starts a gRPC server with the kvstore services, grpc.health.v1 and server reflection. */
export async function startGrpcServer(
  handlers: ServiceHandlers,
  options: GrpcServerOptions,
): Promise<RunningGrpcServer> {
  // Every request body is checked before it is decoded (see StrictServer).
  const server = new StrictServer(
    {
      'grpc.max_receive_message_length': options.maxReceiveBytes,
      'grpc.max_send_message_length': options.maxSendBytes,
      // Clients that ping more often than every 10 s are not cut off (long-lived watch streams ping).
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 10_000,
      // Channelz bookkeeping costs every call a few microseconds; nothing here reads it.
      'grpc.enable_channelz': 0,
      interceptors: [...(options.interceptors ?? [])],
    },
    (path, details) => options.onRefused?.(path, status.INVALID_ARGUMENT, details),
  );
  server.addService(kvServiceDefinition, handlers.kv);
  server.addService(kvstoreV1.Admin.service, handlers.admin);
  for (const extra of options.extraServices ?? []) server.addService(extra.definition, extra.implementation);
  const health = new HealthImplementation({
    '': 'SERVING',
    ...Object.fromEntries(SERVICE_NAMES.map((n) => [n, 'SERVING'])),
  });
  health.addToServer(server);
  new ReflectionService(reflectedPackages()).addToServer(server);
  const fastUnary = options.fastUnary ? installFastUnary(server, options.fastUnary, options) : null;
  const shutdown = gracefulShutdown(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      options.listen,
      options.credentials ?? ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    );
  });

  return {
    port,
    health,
    methodPaths: [...server.methodPaths],
    fastUnary,
    shutdown(timeoutMs) {
      health.setStatus('', 'NOT_SERVING');
      for (const name of SERVICE_NAMES) health.setStatus(name, 'NOT_SERVING');
      return shutdown(timeoutMs);
    },
  };
}

/** What reflection describes: kvstore.v1 and grpc.health.v1, from the proto grpc-health-check ships. */
function reflectedPackages(): ReturnType<typeof loadSync> {
  const healthDir = dirname(dirname(dirname(healthProtoPath)));
  const health = loadSync('health/v1/health.proto', { ...LOADER_OPTIONS, includeDirs: [healthDir] });
  return { ...packageDefinition, ...health };
}
