/**
 * npm run bench (part two): multi-key writes and compare-and-set, kvstore next to etcd with the same client.
 *
 *   - batch: SetMany of 100 keys (kvstore) against a Txn of 100 Puts (etcd), and single Set / Put, in keys/s;
 *   - cas: 16 clients each incrementing one shared counter with compare-and-set retries (kvstore: Get then
 *     Set with a mod_revision condition; etcd: Range then Txn comparing MOD), successful increments/s.
 *
 *   npm run bench:txn -- --duration 10 --no-etcd
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Client,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { type CpuSnapshot, cpuBetween, cpuSnapshot } from '../load/cpu.js';
import { startLocalServer } from '../load/local-server.js';
import { etcdAvailable, startEtcdAfter } from './etcd.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    'no-etcd': { type: 'boolean', default: false },
  },
});
const durationMs = Number(values.duration) * 1000;
const progress = (line: string) => process.stderr.write(`[bench:txn] ${line}\n`);

type Callback = (err: Error | null, res?: Record<string, unknown>) => void;
type Rpc = (request: object, callback: Callback) => void;

/** The few RPCs these scenarios need, for either server. */
interface Ops {
  setOne(key: string, value: Buffer): Promise<unknown>;
  setMany(keys: string[], value: Buffer): Promise<unknown>;
  /** The counter's value (0 when absent) and the revision a CAS must compare against (0 when absent). */
  read(key: string): Promise<{ n: number; modRevision: number }>;
  /** Writes `n` if the key's mod revision is still `modRevision`; resolves whether it did. */
  cas(key: string, modRevision: number, n: number): Promise<boolean>;
  close(): void;
}

function promisify(client: Client, method: string): (request: object) => Promise<Record<string, unknown>> {
  const rpc = (client as unknown as Record<string, Rpc>)[method]!.bind(client);
  return (request) =>
    new Promise((resolve, reject) => rpc(request, (err, res) => (err ? reject(err) : resolve(res!))));
}

const LOADER = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

function kvstoreOps(addr: string): Ops {
  const protoDir = fileURLToPath(new URL('../proto', import.meta.url));
  const pkg = loadPackageDefinition(
    loadSync('kvstore/v1/kvstore.proto', { ...LOADER, includeDirs: [protoDir] }),
  ) as unknown as {
    kvstore: { v1: { KV: ServiceClientConstructor } };
  };
  const client = new pkg.kvstore.v1.KV(addr, credentials.createInsecure());
  const [set, setMany, get] = ['Set', 'SetMany', 'Get'].map((m) => promisify(client, m)) as [
    ReturnType<typeof promisify>,
    ReturnType<typeof promisify>,
    ReturnType<typeof promisify>,
  ];
  return {
    setOne: (key, value) => set({ key, value }),
    setMany: (keys, value) => setMany({ items: keys.map((key) => ({ key, value })) }),
    async read(key) {
      const res = (await get({ key })) as {
        found: boolean;
        kv: { value: Buffer; mod_revision: number } | null;
      };
      return res.found
        ? { n: Number(res.kv!.value.toString()), modRevision: res.kv!.mod_revision }
        : { n: 0, modRevision: 0 };
    },
    async cas(key, modRevision, n) {
      const condition = modRevision === 0 ? { absent: true } : { mod_revision: modRevision };
      try {
        await set({ key, value: Buffer.from(String(n)), condition });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 9 /* FAILED_PRECONDITION */) return false;
        throw err;
      }
    },
    close: () => client.close(),
  };
}

function etcdOps(addr: string): Ops {
  const protoFile = fileURLToPath(new URL('../load/proto/etcd/rpc.proto', import.meta.url));
  const pkg = loadPackageDefinition(loadSync(protoFile, LOADER)) as unknown as {
    etcdserverpb: { KV: ServiceClientConstructor };
  };
  const client = new pkg.etcdserverpb.KV(addr, credentials.createInsecure());
  const [put, range, txn] = ['Put', 'Range', 'Txn'].map((m) => promisify(client, m)) as [
    ReturnType<typeof promisify>,
    ReturnType<typeof promisify>,
    ReturnType<typeof promisify>,
  ];
  return {
    setOne: (key, value) => put({ key: Buffer.from(key), value }),
    setMany: (keys, value) =>
      txn({ success: keys.map((key) => ({ request_put: { key: Buffer.from(key), value } })) }),
    async read(key) {
      const res = (await range({ key: Buffer.from(key) })) as {
        kvs: { value: Buffer; mod_revision: number }[];
      };
      const kv = res.kvs[0];
      return kv ? { n: Number(kv.value.toString()), modRevision: kv.mod_revision } : { n: 0, modRevision: 0 };
    },
    async cas(key, modRevision, n) {
      const res = await txn({
        compare: [{ key: Buffer.from(key), target: 'MOD', result: 'EQUAL', mod_revision: modRevision }],
        success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(String(n)) } }],
      });
      return res.succeeded === true;
    },
    close: () => client.close(),
  };
}

interface Figures {
  requests: number;
  units: number;
  latencies: number[];
  cpu: ReturnType<typeof cpuBetween>;
}

/** Runs `slots` closed loops of `step` for the duration; each step returns how many units it achieved. */
async function closedLoop(
  slots: number,
  pid: number,
  step: (slot: number) => Promise<number>,
): Promise<Figures> {
  const until = performance.now() + durationMs;
  const latencies: number[] = [];
  let requests = 0;
  let units = 0;
  const before: CpuSnapshot = cpuSnapshot([pid]);
  await Promise.all(
    Array.from({ length: slots }, async (_, slot) => {
      while (performance.now() < until) {
        const t0 = performance.now();
        // Not `units += await ...`: that reads `units` before awaiting and loses concurrent updates.
        const done = await step(slot);
        units += done;
        latencies.push(performance.now() - t0);
        requests++;
      }
    }),
  );
  return {
    requests,
    units,
    latencies: latencies.sort((a, b) => a - b),
    cpu: cpuBetween(before, cpuSnapshot([pid])),
  };
}

const rows: string[] = [];
function report(target: string, scenario: string, f: Figures, unit: string): void {
  const s = durationMs / 1000;
  const q = (p: number) => (f.latencies[Math.floor(f.latencies.length * p)] ?? 0).toFixed(1);
  const serverUs = f.units > 0 ? Math.round(((f.cpu.server_cores ?? 0) * s * 1e6) / f.units) : 0;
  const line = {
    bench: 'txn',
    target,
    scenario,
    requests_per_s: Math.round(f.requests / s),
    [`${unit}_per_s`]: Math.round(f.units / s),
    p50_ms: Number(q(0.5)),
    p99_ms: Number(q(0.99)),
    server_cpu_us_per_unit: serverUs,
    client_cores: f.cpu.client_cores,
    foreign_cores: f.cpu.foreign_cores,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  rows.push(
    `| ${target} | ${scenario} | ${line.requests_per_s} | ${Math.round(f.units / s)} ${unit}/s | ${q(0.5)} | ${q(0.99)} | ${serverUs} µs/${unit} | ${(f.cpu.foreign_cores ?? 0).toFixed(2)} |`,
  );
}

const servers: {
  name: string;
  addr: string;
  pid: number;
  ops: (addr: string) => Ops;
  stop(): Promise<void>;
}[] = [];
const kv = await startLocalServer();
servers.push({ name: 'kvstore', addr: kv.addr, pid: kv.pid, ops: kvstoreOps, stop: () => kv.stop() });
if (!values['no-etcd'] && etcdAvailable()) {
  const etcd = await startEtcdAfter(servers);
  servers.push({ name: 'etcd', addr: etcd.addr, pid: etcd.pid, ops: etcdOps, stop: () => etcd.stop() });
}
const value = Buffer.alloc(100, 120);
try {
  for (const s of servers) {
    // Four connections, four requests in flight on each: the same shape for every scenario.
    const conns = Array.from({ length: 4 }, () => s.ops(s.addr));
    progress(`${s.name}: single set`);
    let seq = 0;
    report(
      s.name,
      'Set / Put, 4x4 in flight',
      await closedLoop(16, s.pid, async (slot) => {
        await conns[slot % 4]!.setOne(`bench/one/${seq++ % 10_000}`, value);
        return 1;
      }),
      'key',
    );
    progress(`${s.name}: batches of 100`);
    report(
      s.name,
      'SetMany(100) / Txn(100 Puts), 4x4',
      await closedLoop(16, s.pid, async (slot) => {
        seq += 100;
        const base = seq;
        await conns[slot % 4]!.setMany(
          Array.from({ length: 100 }, (_, i) => `bench/many/${(base + i) % 10_000}`),
          value,
        );
        return 100;
      }),
      'key',
    );
    for (const c of conns) c.close();

    progress(`${s.name}: contended compare-and-set`);
    const clients = Array.from({ length: 16 }, () => s.ops(s.addr));
    const key = `bench/counter/${Date.now()}`;
    report(
      s.name,
      'CAS increments, 16 clients, 1 key',
      await closedLoop(16, s.pid, async (slot) => {
        const c = clients[slot]!;
        const { n, modRevision } = await c.read(key);
        return (await c.cas(key, modRevision, n + 1)) ? 1 : 0;
      }),
      'increment',
    );
    for (const c of clients) c.close();
  }
} finally {
  for (const s of servers) await s.stop();
}
process.stderr.write(
  `\n| target | scenario | requests/s | throughput | p50 ms | p99 ms | server CPU | foreign cores |\n|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
);
