/**
 * npm run bench:wire: what the strict request check costs per message, next to protobufjs decoding the same
 * bytes (which every request pays anyway) — ns/op, one core, in process.
 *
 *   npm run bench:wire
 */
import {
  Metadata,
  type ServerInterceptingCallInterface,
  type ServerListener,
  type ServerMethodDefinition,
} from '@grpc/grpc-js';
import { kvstoreV1 } from '../src/api/proto.js';
import { type LoadedMethod, refuseMalformed, requestSchema } from '../src/api/wire/strict-server.js';
import { checkWire } from '../src/api/wire/wire-check.js';

const methods = kvstoreV1.KV.service as unknown as Record<string, LoadedMethod>;

/** Nanoseconds per call of `fn`, best of five rounds of at least 200 ms. */
function nsPerOp(fn: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    let runs = 0;
    const started = process.hrtime.bigint();
    let elapsed = 0n;
    do {
      for (let i = 0; i < 1000; i++) fn();
      runs += 1000;
      elapsed = process.hrtime.bigint() - started;
    } while (elapsed < 200_000_000n);
    best = Math.min(best, Number(elapsed) / runs);
  }
  return best;
}

const value = (n: number) => Buffer.alloc(n, 0x61);
const cases: [string, string, unknown][] = [
  ['Get', 'Get', { key: 'users/42/profile' }],
  ['Set, 100-byte value', 'Set', { key: 'users/42/profile', value: value(100), ttl_ms: 60_000 }],
  ['Set, 1 MiB value', 'Set', { key: 'users/42/profile', value: value(1 << 20) }],
  [
    'SetMany, 100 items',
    'SetMany',
    { items: Array.from({ length: 100 }, (_, i) => ({ key: `batch/${i}`, value: value(100) })) },
  ],
  [
    'Txn, compare + 2 ops',
    'Txn',
    {
      compare: [{ key: 'cas/counter', mod_revision: 41, target: 'MOD', result: 'EQUAL' }],
      success: [{ set: { key: 'cas/counter', value: value(8) } }, { get: { key: 'cas/other' } }],
    },
  ],
];

const fmt = (ns: number) => `${ns.toFixed(0)} ns`.padStart(12);
console.log(
  `${'request'.padEnd(24)} ${'bytes'.padStart(8)} ${'strict check'.padStart(12)} ${'decode'.padStart(12)}`,
);
for (const [name, method, request] of cases) {
  const m = methods[method]!;
  const bytes = m.requestSerialize(request);
  const schema = requestSchema(m);
  if (checkWire(bytes, schema) !== null) throw new Error(`${name}: a valid body was refused`);
  const check = nsPerOp(() => checkWire(bytes, schema));
  const decode = nsPerOp(() => m.requestDeserialize(bytes));
  console.log(`${name.padEnd(24)} ${String(bytes.length).padStart(8)} ${fmt(check)} ${fmt(decode)}`);
}

/**
 * Every call also passes the server interceptor that answers malformed messages of request-streaming
 * methods; for a unary call it hands back grpc-js's own call. Its cost per call, over a stand-in for
 * grpc-js's base call (start, one message, half-close, reply, status), next to no interceptor.
 */
function interceptorNs(): { without: number; with: number } {
  const noop = () => {};
  const inner = {
    start(listener: ServerListener) {
      listener.onReceiveMetadata?.(new Metadata(), noop);
      listener.onReceiveMessage?.({ key: 'k' }, noop);
      listener.onReceiveHalfClose?.(noop);
    },
    sendMetadata: noop,
    sendMessage: (_m: unknown, cb: () => void) => cb(),
    sendStatus: noop,
    startRead: noop,
  } as unknown as ServerInterceptingCallInterface;
  const listener = {
    onReceiveMetadata: noop,
    onReceiveMessage: noop,
    onReceiveHalfClose: noop,
    onCancel: noop,
  };
  const call = (c: ServerInterceptingCallInterface) => {
    c.start(listener);
    c.sendMessage({}, noop);
    c.sendStatus({ code: 0, details: 'OK' });
  };
  const guard = refuseMalformed();
  const method = kvstoreV1.KV.service.Get as unknown as ServerMethodDefinition<unknown, unknown>;
  return {
    without: nsPerOp(() => call(inner)),
    with: nsPerOp(() => call(guard(method, inner))),
  };
}

const ic = interceptorNs();
console.log(
  `\nper unary call, the interceptor: ${fmt(ic.with - ic.without).trim()} ` +
    `(a stand-in call ${fmt(ic.without).trim()} without it, ${fmt(ic.with).trim()} with it)`,
);
