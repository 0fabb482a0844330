import type { ClientReadableStream } from '@grpc/grpc-js';
import type { AdminClient } from '../../src/api/generated/kvstore/v1/Admin.js';
import type { GetResponse__Output } from '../../src/api/generated/kvstore/v1/GetResponse.js';
import type { KVClient } from '../../src/api/generated/kvstore/v1/KV.js';
import type { StatusResponse__Output } from '../../src/api/generated/kvstore/v1/StatusResponse.js';
import type { WatchResponse__Output } from '../../src/api/generated/kvstore/v1/WatchResponse.js';
import { kvstoreV1 } from '../../src/api/proto.js';
import { addressOf } from '../addresses.js';
import { CHANNEL_OPTIONS, call, INSECURE, waitReady } from './channel.js';
import type { LoadTarget, OpCallback, TargetOptions, WatchHandle, WatchListener } from './target.js';

/** kvstore's own API, kvstore.v1.KV (Get, Set, Watch), with the generated types of this repository. */
export async function kvstoreTarget(options: TargetOptions): Promise<LoadTarget<string>> {
  const clients: KVClient[] = [];
  for (let i = 0; i < options.conns; i++)
    clients.push(new kvstoreV1.KV(addressOf(options.addr, i), INSECURE, CHANNEL_OPTIONS));
  try {
    await waitReady(clients);
  } catch (err) {
    for (const c of clients) c.close();
    throw err;
  }
  return {
    name: 'kvstore',
    encodeKey: (key) => key,
    set(conn, key, value, done: OpCallback) {
      clients[conn]!.Set({ key, value }, (err) => done(err ?? null, true));
    },
    get(conn, key, done: OpCallback) {
      clients[conn]!.Get({ key }, (err, res?: GetResponse__Output) => done(err ?? null, res?.found === true));
    },
    watch(conn, prefix, onValues: WatchListener, onError): WatchHandle {
      const stream: ClientReadableStream<WatchResponse__Output> = clients[conn]!.Watch({
        prefix,
        start_revision: 0,
      });
      stream.on('data', (response: WatchResponse__Output) => {
        if (response.events.length === 0) return;
        onValues(response.events.map((e) => e.kv?.value ?? EMPTY));
      });
      let cancelled = false;
      stream.on('error', (err: Error) => {
        if (!cancelled) onError(err);
      });
      return {
        cancel() {
          cancelled = true;
          stream.cancel();
        },
      };
    },
    async info() {
      const admin: AdminClient = new kvstoreV1.Admin(addressOf(options.addr, 0), INSECURE);
      try {
        const s = await call<StatusResponse__Output>((cb) => admin.Status({}, cb));
        return {
          server: 'kvstore',
          version: s.version,
          revision: s.header?.revision,
          keys: s.keys,
          backend: s.backend,
          durability: s.durability,
        };
      } finally {
        admin.close();
      }
    },
    close() {
      for (const c of clients) c.close();
    },
  };
}

const EMPTY = Buffer.alloc(0);
