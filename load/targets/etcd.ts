import { fileURLToPath } from 'node:url';
import {
  type Client,
  type ClientDuplexStream,
  type ClientUnaryCall,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { addressOf } from '../addresses.js';
import { CHANNEL_OPTIONS, call, INSECURE, waitReady } from './channel.js';
import type { LoadTarget, OpCallback, TargetOptions, WatchHandle, WatchListener } from './target.js';

type Callback<T> = (err: ServiceError | null, res?: T) => void;

interface KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
}

interface EtcdKvClient extends Client {
  Range(
    req: { key: Buffer; serializable: boolean },
    cb: Callback<{ kvs?: KeyValue[]; count?: number }>,
  ): ClientUnaryCall;
  Put(req: { key: Buffer; value: Buffer }, cb: Callback<unknown>): ClientUnaryCall;
}

interface WatchResponse {
  readonly created?: boolean;
  readonly canceled?: boolean;
  readonly cancel_reason?: string;
  readonly events?: { kv?: KeyValue }[];
}

interface EtcdWatchClient extends Client {
  Watch(): ClientDuplexStream<{ create_request: { key: Buffer; range_end: Buffer } }, WatchResponse>;
}

interface EtcdMaintenanceClient extends Client {
  Status(
    req: Record<string, never>,
    cb: Callback<{ version: string; dbSize: number; header?: { revision: number } }>,
  ): ClientUnaryCall;
}

const PROTO = fileURLToPath(new URL('../proto/etcd/rpc.proto', import.meta.url));

function etcdServices(): Record<'KV' | 'Watch' | 'Maintenance', ServiceClientConstructor> {
  const definition = loadSync(PROTO, {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = loadPackageDefinition(definition).etcdserverpb as Record<string, ServiceClientConstructor>;
  return { KV: pkg.KV!, Watch: pkg.Watch!, Maintenance: pkg.Maintenance! };
}

/** The range_end that selects every key with `prefix` ("foo/" -> "foo0"), as etcd's clients compute it. */
export function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]!++;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** etcd's v3 API (KV.Range, KV.Put, Watch), driven exactly like kvstore's for a side-by-side comparison. */
export async function etcdTarget(options: TargetOptions): Promise<LoadTarget<Buffer>> {
  const services = etcdServices();
  const kv: EtcdKvClient[] = [];
  for (let i = 0; i < options.conns; i++) {
    kv.push(
      new services.KV(addressOf(options.addr, i), INSECURE, CHANNEL_OPTIONS) as unknown as EtcdKvClient,
    );
  }
  try {
    await waitReady(kv);
  } catch (err) {
    for (const c of kv) c.close();
    throw err;
  }
  const watchClients: EtcdWatchClient[] = [];
  const serializable = options.serializable === true;
  return {
    name: 'etcd',
    encodeKey: (key) => Buffer.from(key),
    set(conn, key, value, done: OpCallback) {
      kv[conn]!.Put({ key, value }, (err) => done(err ?? null, true));
    },
    get(conn, key, done: OpCallback) {
      kv[conn]!.Range({ key, serializable }, (err, res) => done(err ?? null, (res?.kvs?.length ?? 0) > 0));
    },
    watch(conn, prefix, onValues: WatchListener, onError): WatchHandle {
      watchClients[conn] ??= new services.Watch(
        addressOf(options.addr, conn),
        INSECURE,
        CHANNEL_OPTIONS,
      ) as unknown as EtcdWatchClient;
      const stream = watchClients[conn]!.Watch();
      let cancelled = false;
      stream.on('data', (response: WatchResponse) => {
        if (response.canceled) onError(new Error(`watch canceled: ${response.cancel_reason ?? ''}`));
        else if (response.events?.length) onValues(response.events.map((e) => e.kv?.value ?? EMPTY));
      });
      stream.on('error', (err: Error) => {
        if (!cancelled) onError(err);
      });
      stream.write({ create_request: { key: Buffer.from(prefix), range_end: prefixEnd(prefix) } });
      return {
        cancel() {
          cancelled = true;
          stream.cancel();
        },
      };
    },
    async info() {
      const m = new services.Maintenance(
        addressOf(options.addr, 0),
        INSECURE,
      ) as unknown as EtcdMaintenanceClient;
      try {
        const s = await call<{ version: string; dbSize: number; header?: { revision: number } }>((cb) =>
          m.Status({}, cb),
        );
        return {
          server: 'etcd',
          version: s.version,
          db_size: s.dbSize,
          revision: s.header?.revision,
          serializable,
        };
      } finally {
        m.close();
      }
    },
    close() {
      for (const c of kv) c.close();
      for (const c of watchClients) c?.close();
    },
  };
}

const EMPTY = Buffer.alloc(0);
