/**
 * The transport's floor for `npm run bench` (issue 12's "do-nothing grpc-js"): kvstore.v1.KV's Get and Set
 * served by a plain grpc-js server from an in-memory map, with nothing of kvstore behind them (no log, no
 * fsync, no index, no checks), and Admin.Status for the load client's probe. What kvstore spends per call
 * above this process is what the store and its transport cost above grpc-js's own.
 *
 *   node --import tsx bench/anchor-server.ts     # prints {"msg":"serving","addr":"127.0.0.1:PORT"}
 *
 * Run as a process of its own (bench/anchor.ts starts it) so that its CPU is measured as a server's.
 */
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { GetRequest__Output } from '../src/api/generated/kvstore/v1/GetRequest.js';
import type { GetResponse } from '../src/api/generated/kvstore/v1/GetResponse.js';
import type { KeyValue } from '../src/api/generated/kvstore/v1/KeyValue.js';
import type { SetRequest__Output } from '../src/api/generated/kvstore/v1/SetRequest.js';
import type { SetResponse } from '../src/api/generated/kvstore/v1/SetResponse.js';
import type { StatusResponse } from '../src/api/generated/kvstore/v1/StatusResponse.js';
import { kvstoreV1 } from '../src/api/proto.js';

/** One key as the map holds it. */
interface Entry {
  readonly value: Buffer;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
}

const entries = new Map<string, Entry>();
let revision = 0;
const started = Date.now();

function keyValue(key: string, entry: Entry, value: Buffer): KeyValue {
  return {
    key,
    value,
    create_revision: entry.createRevision,
    mod_revision: entry.modRevision,
    version: entry.version,
    expires_at_ms: 0,
  };
}

const kv: UntypedServiceImplementation = {
  Get(call: ServerUnaryCall<GetRequest__Output, GetResponse>, callback: sendUnaryData<GetResponse>) {
    const entry = entries.get(call.request.key);
    callback(null, {
      header: { revision },
      found: entry !== undefined,
      ...(entry === undefined ? {} : { kv: keyValue(call.request.key, entry, entry.value) }),
    });
  },
  Set(call: ServerUnaryCall<SetRequest__Output, SetResponse>, callback: sendUnaryData<SetResponse>) {
    const { key, value } = call.request;
    const before = entries.get(key);
    revision++;
    const entry: Entry = {
      value,
      createRevision: before?.createRevision ?? revision,
      modRevision: revision,
      version: (before?.version ?? 0) + 1,
    };
    entries.set(key, entry);
    callback(null, { header: { revision }, kv: keyValue(key, entry, EMPTY) });
  },
};

const admin: UntypedServiceImplementation = {
  Status(_call: ServerUnaryCall<unknown, StatusResponse>, callback: sendUnaryData<StatusResponse>) {
    callback(null, {
      header: { revision },
      version: 'anchor',
      keys: entries.size,
      backend: 'memory (do-nothing grpc-js)',
      durability: 'none',
      uptime_ms: Date.now() - started,
    });
  },
};

const EMPTY = Buffer.alloc(0);

// As kvstore's server runs grpc-js: channelz off (it costs every call), the rest grpc-js's defaults.
const server = new Server({ 'grpc.enable_channelz': 0 });
server.addService(kvstoreV1.KV.service, kv);
server.addService(kvstoreV1.Admin.service, admin);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`anchor: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ msg: 'serving', addr: `127.0.0.1:${port}` })}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    server.forceShutdown();
    process.exit(0);
  });
}
