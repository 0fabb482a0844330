import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { ServerCredentials, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { type EtcdIdentity, etcdUnaryServices } from '../api/etcd/services.js';
import { etcdWatchDefinition, etcdWatchEncoder, etcdWatchHandler } from '../api/etcd/watch.js';
import { type FastUnaryPlan, installFastUnary } from '../api/grpc/fast-unary-hook.js';
import { type GracefulShutdown, gracefulShutdown } from '../api/grpc/graceful-shutdown.js';
import type { ExtraService } from '../api/grpc/grpc-server.js';
import type { HandlerContext } from '../api/grpc/unary.js';
import { StrictServer } from '../api/wire/strict-server.js';
import type { Config } from '../config/config.js';
import { formatLogUrl } from '../log/log-url.js';
import type { AdminOperations } from '../service/admin-operations.js';
import type { AuditSink } from '../service/audit.js';
import { AuditedEtcdAuthOperations, AuditedEtcdKvOperations } from '../service/audited-operations.js';
import { EtcdAuthOperations, type EtcdAuthSources } from '../service/etcd-auth.js';
import { EtcdKvOperations } from '../service/etcd-operations.js';
import type { KvStore } from '../store/kv-store.js';
import { WatchHub, type WatchStats } from '../streams/watch-hub.js';
import { namespacedEtcdKv } from './namespace-setup.js';
import { ENVELOPE_BYTES, maxResponseBytes } from './open-store.js';

/** The etcd v3 API's parts: its services (for grpc.listen), its watch hub, its optional own listener. */
export interface EtcdApi {
  readonly services: ExtraService[];
  /** Tells MemberList where the kvstore gRPC port is, once bound. */
  grpcBound(host: string, port: number): void;
  /** Binds etcd.listen when set; resolves with its port (null when off). */
  listen(
    interceptors: readonly ServerInterceptor[],
    credentials?: ServerCredentials,
    fastUnary?: FastUnaryPlan,
  ): Promise<number | null>;
  /** The etcd watch hub's figures, for metrics. */
  watchStats(): WatchStats;
  /** Ends every etcd watch (UNAVAILABLE), as the kvstore hub's close does for its own. */
  closeWatches(): void;
  /** Stops the own listener: in-flight calls get up to `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** A stable 52-bit id (etcd's ids are uint64; 52 bits survive JavaScript numbers exactly). */
function id52(text: string): number {
  const digest = createHash('sha256').update(text).digest();
  return digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4) || 1;
}

/**
 * Builds the etcd API over the same store, operations and limits as kvstore.v1. cluster_id names the log
 * (nodes of one shared log report the same), member_id this node (host, data directory, gRPC address).
 */
export function etcdApi(
  config: Config,
  parts: {
    store: KvStore;
    admin: AdminOperations;
    ctx: HandlerContext;
    audit: AuditSink | null;
    /** What the Auth service answers from: the keys file, the roles, the gate. */
    security: EtcdAuthSources;
  },
  logger: Logger,
): EtcdApi {
  const urls: string[] = [];
  const identity: EtcdIdentity = {
    clusterId: id52(`kvstore cluster ${formatLogUrl(config.log.url)}`),
    memberId: id52(`kvstore member ${hostname()} ${resolve(config.data.dir)} ${config.grpc.listen}`),
    name: hostname(),
    clientUrls: () => [...urls],
    membership: parts.store.eventLog.membership?.(),
  };
  let announced: { stop(): Promise<void> } | null = null;
  // Announced once every URL is known (after etcd.listen), so the others list this node as clients reach it.
  const announce = () => {
    announced ??=
      identity.membership?.announce(() => ({
        id: identity.memberId,
        name: identity.name,
        clientUrls: identity.clientUrls(),
      })) ?? null;
  };
  const hub = new WatchHub(parts.store, etcdWatchEncoder(identity), {
    maxBufferedEvents: config.watch.maxBufferedEvents,
    maxBufferedBytes: config.watch.maxBufferedBytes,
    maxBufferedBytesTotal: config.watch.maxBufferedBytesTotal,
    progressIntervalMs: config.watch.progressIntervalMs,
  });
  const kvOptions = { maxResponseBytes: maxResponseBytes(config) };
  const kv = namespacedEtcdKv(
    config,
    parts.store,
    kvOptions,
    parts.audit
      ? new AuditedEtcdKvOperations(parts.store, kvOptions, parts.audit)
      : new EtcdKvOperations(parts.store, kvOptions),
  );
  const services: ExtraService[] = [
    ...etcdUnaryServices({
      store: parts.store,
      kv,
      admin: parts.admin,
      identity,
      ctx: parts.ctx,
      auth: parts.audit
        ? new AuditedEtcdAuthOperations(parts.security, parts.audit)
        : new EtcdAuthOperations(parts.security),
    }),
    {
      definition: etcdWatchDefinition,
      implementation: { Watch: etcdWatchHandler(hub, parts.store, identity, logger, parts.ctx.accessOf) },
    },
  ];
  let ownShutdown: GracefulShutdown | null = null;
  const scheme = config.grpc.tlsCert === '' ? 'http' : 'https';
  const hostOf = (listen: string) => listen.slice(0, listen.lastIndexOf(':'));
  return {
    services,
    grpcBound(host, port) {
      urls.unshift(`${scheme}://${host}:${port}`);
    },
    async listen(interceptors, credentials, fastUnary) {
      if (config.etcd.listen === 'off') {
        announce();
        return null;
      }
      const limits = {
        maxReceiveBytes: 4 * config.limits.maxValueBytes + ENVELOPE_BYTES,
        maxSendBytes: maxResponseBytes(config) + config.limits.maxValueBytes + ENVELOPE_BYTES,
      };
      const server = new StrictServer({
        'grpc.max_receive_message_length': limits.maxReceiveBytes,
        'grpc.max_send_message_length': limits.maxSendBytes,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.http2.min_ping_interval_without_data_ms': 10_000,
        'grpc.enable_channelz': 0,
        interceptors: [...interceptors],
      });
      for (const s of services) server.addService(s.definition, s.implementation);
      if (fastUnary) installFastUnary(server, fastUnary, limits);
      const shutdown = gracefulShutdown(server);
      const port = await new Promise<number>((done, fail) =>
        server.bindAsync(
          config.etcd.listen,
          credentials ?? ServerCredentials.createInsecure(),
          (err, bound) => (err ? fail(err) : done(bound)),
        ),
      );
      ownShutdown = shutdown;
      urls.push(`${scheme}://${hostOf(config.etcd.listen)}:${port}`);
      announce();
      return port;
    },
    watchStats() {
      return hub.stats();
    },
    closeWatches() {
      hub.close();
      kv.close();
    },
    async shutdown(timeoutMs) {
      // The others stop listing this node at once (at most 1 s spent on it: a log that is down keeps it).
      const leaving = announced?.stop();
      announced = null;
      if (leaving) await Promise.race([leaving, new Promise((done) => setTimeout(done, 1_000).unref())]);
      return ownShutdown?.(timeoutMs);
    },
  };
}
