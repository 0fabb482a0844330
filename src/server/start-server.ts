import type { Logger } from 'pino';
import { installResponseCompression } from '../api/grpc/response-compression.js';
import type { RequestObserver } from '../api/grpc/unary.js';
import { encodeWatchBatch } from '../api/grpc/watch-service.js';
import { startOperations } from '../api/http/operations.js';
import { listenError } from '../api/listen-error.js';
import type { StatsProviders } from '../api/metrics/providers.js';
import type { Config } from '../config/config.js';
import { type ApiKeyEntry, loadApiKeysFile } from '../security/api-keys.js';
import { countingRefusals } from '../security/principal.js';
import { grpcServerCredentials } from '../security/tls.js';
import { AdminOperations } from '../service/admin-operations.js';
import { AuditedAdminOperations, AuditedKvOperations } from '../service/audited-operations.js';
import { KvOperations } from '../service/kv-operations.js';
import { PeerRateLimiter } from '../service/peer-rate-limiter.js';
import type { KvStore } from '../store/kv-store.js';
import { WatchHub, type WatchStats } from '../streams/watch-hub.js';
import { openAuditFile } from './audit-file.js';
import { buildAuthenticator } from './authentication.js';
import { callerAccess } from './caller-access.js';
import { credentialReloader, openCredentialWatch, type ReadonlyTargetsRef } from './credential-reload.js';
import { etcdApi } from './etcd-api.js';
import { startEventPublisher } from './event-publisher.js';
import { exposureProblem } from './exposure.js';
import { durabilityOf, startGrpcListener } from './grpc-listener.js';
import { type RunningHttpApi, startHttpApi } from './http-api-listener.js';
import { openKeyRingWatch } from './key-ring-reload.js';
import { installNamespaceQuotas, namespacedKv } from './namespace-setup.js';
import { maxResponseBytes, openStore } from './open-store.js';
import { startTracing } from './tracing.js';

/** A running kvstore server: the store and its listeners. */
export interface RunningServer {
  readonly store: KvStore;
  readonly grpcPort: number;
  /** Port of etcd.listen (null when off; the etcd API is on grpcPort either way). */
  readonly etcdPort: number | null;
  /** Port of the admin HTTP listener (/metrics, /healthz, /readyz). */
  readonly httpPort: number;
  /** Where metrics and /readyz read the watch hub and the NATS publisher (see StatsProviders). */
  readonly providers: StatsProviders;
  /** The graceful shutdown sequence; see docs/operations.md. */
  close(): Promise<void>;
}

/**
 * The composition root: configuration -> admin listener -> log and store -> watch hub -> NATS publisher ->
 * gRPC services. Each part is built here and handed to the next; nothing below reaches back up.
 */
export async function startServer(
  config: Config,
  logger: Logger,
  observe?: RequestObserver,
): Promise<RunningServer> {
  const startedAt = Date.now();
  // The credential files are watched from before they are read (security.reloadInterval), so an edit made
  // during the start is taken at the first look; the reload gets its targets once they are built.
  const reloadTargets: ReadonlyTargetsRef = { current: null };
  const credentialWatch = await openCredentialWatch(
    config,
    // The metric is reached once the admin listener exists; the watch looks only after the start.
    credentialReloader(config, reloadTargets, logger, (result) => ops.metrics.auth.reloaded(result)),
  );
  // API keys and roles are read first: a bad keys or roles file stops the start before anything listens.
  const apiKeys = config.security.apiKeysFile ? loadApiKeysFile(config.security.apiKeysFile) : [];
  const built = await buildAuthenticator(config, apiKeys, (event) =>
    event.kind === 'failed'
      ? logger.warn(`${event.reason}; JWTs are refused (UNAUTHENTICATED) until it can be`)
      : logger.info(
          { url: config.security.jwtJwksUrl, keys: event.keys },
          event.changed ? 'JWKS changed' : 'JWKS fetched',
        ),
  );
  const authenticator = built?.gate ?? null;
  const exposure = exposureProblem(config, authenticator !== null);
  if (exposure !== null) throw new Error(exposure);
  const access = callerAccess(config, authenticator !== null, apiKeys, (kind) =>
    ops.metrics.rateLimits.observe(kind),
  );
  const keysInUse = { current: apiKeys as readonly ApiKeyEntry[] };
  reloadTargets.current = {
    apiKeys: built?.apiKeys ?? null,
    jwt: built?.jwt ?? null,
    remoteJwks: built?.remoteJwks ?? null,
    access,
    keys: keysInUse,
  };
  // An issuer whose JWKS cannot be fetched now does not stop the start (API keys and probes still work):
  // its tokens are refused saying why, and each new token or the next refresh tries again.
  await built?.remoteJwks?.refresh();
  // The audit log opens before anything listens: a path that cannot be written stops the start.
  const audit = config.security.auditFile ? await openAuditFile(config.security.auditFile) : null;
  // TLS files are read before anything listens too: a missing certificate stops the start.
  const credentials = grpcServerCredentials(config.grpc, config.security.tlsReloadIntervalMs, (event) =>
    event.kind === 'reloaded'
      ? logger.info({ subject: event.subject, validTo: event.validTo }, 'grpc TLS certificate reloaded')
      : logger.warn(event.reason),
  );
  // Tracing (off by default) before the store, whose log it wraps; a bad OTEL_* value stops the start here.
  const tracing = await startTracing(config, logger);
  // The admin listener comes first: during a long replay probes get "starting", not a refused connection.
  const ops = await startOperations(config, logger);
  const keyRingWatch = await openKeyRingWatch(config, logger);
  const store = await openStore(config, ops, logger, tracing).catch(async (err: unknown) => {
    await ops.close();
    await tracing?.shutdown();
    throw err;
  });
  const ctx = {
    logger,
    slowRequestMs: config.log.slowRequestMs,
    observe: ops.observer(observe),
    accessOf: access.ofCall,
    roles: () => access.roles,
  };
  const watchHub = new WatchHub(store, encodeWatchBatch, {
    maxBufferedEvents: config.watch.maxBufferedEvents,
    maxBufferedBytes: config.watch.maxBufferedBytes,
    maxBufferedBytesTotal: config.watch.maxBufferedBytesTotal,
    progressIntervalMs: config.watch.progressIntervalMs,
  });
  // gRPC and SSE watchers (the JSON API's hub is set below, when it runs).
  let sseHub: WatchHub | null = null;
  ops.providers.watchers = () => {
    const grpcWatchers = watchHub.stats();
    const sse = sseHub?.stats();
    return {
      count: grpcWatchers.watchers + (sse?.watchers ?? 0),
      maxLagRevisions: Math.max(grpcWatchers.maxLagRevisions, sse?.maxLagRevisions ?? 0),
    };
  };
  ops.providers.watchHubs = () => {
    const hubs: Record<string, WatchStats> = { grpc: watchHub.stats() };
    if (sseHub !== null) hubs.http = sseHub.stats();
    return hubs;
  };
  const publisher = await startEventPublisher(config, store, ops, logger);
  if (config.grpc.compressMinBytes > 0 && !installResponseCompression(config.grpc.compressMinBytes)) {
    logger.warn(
      'this @grpc/grpc-js version cannot be taught response compression; responses go uncompressed',
    );
  }
  // The operations every transport serves (the rules live there once), audited when security.auditFile is set.
  const kvOptions = {
    maxResponseBytes: maxResponseBytes(config),
    defaultListLimit: config.limits.defaultListLimit,
  };
  const facts = { startedAt, durability: durabilityOf(config), nats: () => publisher?.stats() ?? null };
  const plainKv = audit
    ? new AuditedKvOperations(store, kvOptions, audit)
    : new KvOperations(store, kvOptions);
  // Namespaced callers' keys are translated around it; namespace quotas checked on every write.
  const kv = namespacedKv(config, store, kvOptions, plainKv);
  const namespaceQuotas = installNamespaceQuotas(config, store);
  if (namespaceQuotas) ops.providers.namespaces = () => namespaceQuotas.usageByNamespace();
  const admin = audit ? new AuditedAdminOperations(store, facts, audit) : new AdminOperations(store, facts);
  ops.providers.backups = () => admin.backupsRunning();
  // The etcd v3 API (docs/etcd.md): on grpc.listen beside kvstore.v1, and on etcd.listen when set.
  const etcd = etcdApi(
    config,
    {
      store,
      admin,
      ctx,
      audit,
      security: {
        // Read at each call: a reload replaces them.
        get keys() {
          return keysInUse.current;
        },
        get roles() {
          return access.roles;
        },
        // etcd's Authenticate refusals count as the gate's (kvstore_auth_refusals_total{transport="grpc"}).
        authenticator:
          authenticator && countingRefusals(authenticator, (r) => ops.metrics.auth.refused('grpc', r)),
      },
    },
    logger,
  );
  // Its watch hub in the watch figures, beside gRPC's and SSE's (api="etcd").
  const otherWatchers = ops.providers.watchers;
  ops.providers.watchers = () => {
    const others = otherWatchers?.() ?? { count: 0, maxLagRevisions: 0 };
    const own = etcd.watchStats();
    return {
      count: others.count + own.watchers,
      maxLagRevisions: Math.max(others.maxLagRevisions, own.maxLagRevisions),
    };
  };
  const otherHubs = ops.providers.watchHubs;
  ops.providers.watchHubs = () => ({ ...otherHubs?.(), etcd: etcd.watchStats() });
  let grpc: Awaited<ReturnType<typeof startGrpcListener>>;
  try {
    grpc = await startGrpcListener(
      config,
      {
        store,
        kv,
        admin,
        watchHub,
        ctx,
        extraServices: etcd.services,
        authenticator:
          authenticator && countingRefusals(authenticator, (r) => ops.metrics.auth.refused('grpc', r)),
        rateLimiter: access.rateLimiter,
        authenticateLimiter:
          authenticator && config.security.authenticateRateLimit > 0
            ? new PeerRateLimiter(config.security.authenticateRateLimit, {
                call: 'etcd Authenticate',
                setting: 'security.authenticateRateLimit',
              })
            : null,
        audit,
        credentials,
        tracing: tracing?.interceptor,
      },
      logger,
    );
  } catch (err) {
    etcd.closeWatches();
    watchHub.close();
    await publisher?.close();
    await store.close();
    await ops.close();
    throw listenError('grpc.listen', '--grpc-listen', config.grpc.listen, err);
  }
  // Every method served, as the auth test enumerates them (test/security/auth-gate.test.ts).
  if (logger.isLevelEnabled('debug'))
    logger.debug({ methods: grpc.methodPaths, auth: authenticator !== null }, 'grpc methods');
  const grpcHost = config.grpc.listen.slice(0, config.grpc.listen.lastIndexOf(':'));
  etcd.grpcBound(grpcHost, grpc.port);
  let etcdPort: number | null;
  try {
    etcdPort = await etcd.listen(grpc.interceptors, credentials, grpc.fastUnaryPlan);
  } catch (err) {
    await grpc.shutdown(0);
    etcd.closeWatches();
    watchHub.close();
    await publisher?.close();
    await store.close();
    await ops.close();
    throw listenError('etcd.listen', '--etcd-listen', config.etcd.listen, err);
  }
  let httpApi: RunningHttpApi | null;
  try {
    httpApi = await startHttpApi(
      config,
      {
        store,
        kv,
        admin,
        observe: ctx.observe,
        admission: grpc.admission,
        authenticator:
          authenticator && countingRefusals(authenticator, (r) => ops.metrics.auth.refused('http', r)),
        accessOf: access.ofPrincipal,
        rateLimiter: access.rateLimiter,
        audit,
        roles: () => access.roles,
        traced: tracing ? (api) => tracing.tracedHttpApi(api) : undefined,
      },
      ops,
      logger,
    );
  } catch (err) {
    await grpc.shutdown(0);
    await etcd.shutdown(0);
    etcd.closeWatches();
    watchHub.close();
    await publisher?.close();
    await store.close();
    await ops.close();
    throw err;
  }
  sseHub = httpApi?.hub ?? null;
  credentialWatch.start(config.security.reloadIntervalMs);
  keyRingWatch?.start(config.security.reloadIntervalMs);
  built?.remoteJwks?.start();
  ops.serving(store);
  const host = config.grpc.listen.slice(0, config.grpc.listen.lastIndexOf(':'));
  logger.info(
    {
      grpc: `${host}:${grpc.port}`,
      http: ops.httpAddress,
      httpApi: httpApi === null ? 'off' : (httpApi.address ?? ops.httpAddress),
      etcd:
        etcdPort === null
          ? 'on grpc'
          : `${config.etcd.listen.slice(0, config.etcd.listen.lastIndexOf(':'))}:${etcdPort}`,
      dataDir: config.data.dir,
      log: store.status().backend,
      revision: store.revision,
      keys: store.status().keys,
      fastUnary: grpc.fastUnary !== null,
    },
    'kvstore is serving',
  );

  let closing: Promise<void> | null = null;
  return {
    store,
    grpcPort: grpc.port,
    etcdPort,
    httpPort: ops.httpPort,
    providers: ops.providers,
    close() {
      closing ??= (async () => {
        // Not ready first: readiness probes and load balancers learn of the shutdown at once.
        ops.stopping();
        credentialWatch.stop();
        keyRingWatch?.stop();
        built?.remoteJwks?.stop();
        logger.info({ timeoutMs: config.shutdown.timeoutMs }, 'shutting down: finishing in-flight requests');
        const drained = grpc.shutdown(config.shutdown.timeoutMs);
        const etcdDrained = etcd.shutdown(config.shutdown.timeoutMs);
        // Watch streams never end by themselves: end them (UNAVAILABLE) so the drain can complete.
        watchHub.close();
        etcd.closeWatches();
        // SSE streams end too: EventSource clients reconnect (with Last-Event-ID) to another server.
        httpApi?.stopWatches();
        const started = Date.now();
        await drained;
        await etcdDrained;
        await httpApi?.close();
        // NATS gets what is left of the timeout (at most 2 s); unpublished events go out after the restart.
        await publisher?.close(
          Math.min(2_000, Math.max(0, started + config.shutdown.timeoutMs - Date.now())),
        );
        await store.close();
        await ops.close();
        await audit?.close();
        // Last: the spans of the shutdown's own calls go out too.
        await tracing?.shutdown();
        logger.info({ revision: store.revision }, 'shut down cleanly');
      })();
      return closing;
    },
  };
}
