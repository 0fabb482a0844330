/**
 * Client CPU per Get: the TypeScript client (src/client/, node:http2 and the generated codec) next to raw
 * @grpc/grpc-js stubs (what a program without the client would use), against one local server.
 *
 *   npm run bench:client -- [--gets 20000] [--reps 5] [--inflight 1,16]   (also the last part of npm run bench)
 *
 * Runs alternate between the two clients; prints one JSON line per run and the medians on stderr.
 */
import { parseArgs } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { startLocalServer } from '../load/local-server.js';
import type { GetResponse__Output } from '../src/api/generated/kvstore/v1/GetResponse.js';
import { kvstoreV1 } from '../src/api/proto.js';
import { connect } from '../src/client/index.js';

const { values } = parseArgs({
  options: {
    gets: { type: 'string', default: '20000' },
    reps: { type: 'string', default: '5' },
    inflight: { type: 'string', default: '1,16' },
  },
});
const gets = Number(values.gets);
const reps = Number(values.reps);

type GetFn = (key: string) => Promise<unknown>;

/** Client CPU (user + system) per Get in microseconds, and Gets per second, for `gets` Gets at `inflight`. */
async function measure(get: GetFn, inflight: number): Promise<{ cpuUsPerGet: number; getsPerSec: number }> {
  for (let i = 0; i < 500; i++) await get('bench/key'); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < gets) {
        next++;
        await get('bench/key');
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { cpuUsPerGet: (cpu.user + cpu.system) / gets, getsPerSec: gets / seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const server = await startLocalServer();
try {
  const client = connect({ endpoints: [server.addr] });
  await client.set('bench/key', 'x'.repeat(100));
  const raw = new kvstoreV1.KV(server.addr, credentials.createInsecure());
  const rawGet: GetFn = (key) =>
    new Promise<GetResponse__Output | undefined>((resolve, reject) =>
      raw.Get({ key }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  const clientGet: GetFn = (key) => client.get(key);
  for (const inflight of values.inflight.split(',').map(Number)) {
    const runs: Record<string, number[]> = { 'grpc-js': [], client: [] };
    for (let r = 0; r < reps; r++) {
      for (const [name, get] of [
        ['grpc-js', rawGet],
        ['client', clientGet],
      ] as const) {
        const result = await measure(get, inflight);
        runs[name]!.push(result.cpuUsPerGet);
        console.log(JSON.stringify({ client: name, inflight, rep: r + 1, ...result }));
      }
    }
    const rawMedian = median(runs['grpc-js']!);
    const clientMedian = median(runs.client!);
    process.stderr.write(
      `[bench] ${inflight} in flight: grpc-js ${rawMedian.toFixed(1)} us/Get, client ${clientMedian.toFixed(1)} us/Get ` +
        `(${(((clientMedian - rawMedian) / rawMedian) * 100).toFixed(1)} %), medians of ${reps}\n`,
    );
  }
  raw.close();
  client.close();
} finally {
  await server.stop();
}
