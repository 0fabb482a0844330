/**
 * The cost of the security gate per Get and per Set, on the server (issue 13: "the gate adds at most 10 %
 * server CPU per Get"): one kvstore server plain, one with API keys, one with TLS + API keys, one with a JWT
 * (HS256, the same token on every call, so verified once and then cached), driven by the TypeScript client;
 * next to them etcd 3.4 plain and with TLS + auth (a user and `auth enable`), driven by the etcd3 client;
 * and the JWT verifier alone, per new token and per cached call.
 *
 *   npm run bench:security -- [--gets 20000] [--reps 5] [--inflight 16] [--ops get,set] [--no-etcd]
 *
 * Server CPU (user + system from /proc/PID/stat) per op (Sets: a quarter as many as Gets; kvstore with
 * `--data-durability relaxed`, etcd fsyncs: compare each server with its own plain figure); runs alternate
 * between the servers; one JSON line per run, medians on stderr. Certificates are made with openssl in a
 * temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import { SignJWT } from 'jose';
import { type LocalServer, startLocalServer } from '../load/local-server.js';
import { connect, type KvClient } from '../src/client/index.js';
import { apiKeyLine, createApiKey } from '../src/security/api-keys.js';
import { JwtAuthenticator } from '../src/security/jwt.js';
import { etcdAvailable, startEtcd } from './etcd.js';

const { values } = parseArgs({
  options: {
    gets: { type: 'string', default: '20000' },
    reps: { type: 'string', default: '5' },
    inflight: { type: 'string', default: '16' },
    ops: { type: 'string', default: 'get,set' },
    'no-etcd': { type: 'boolean', default: false },
  },
});
const gets = Number(values.gets);
const reps = Number(values.reps);
const inflight = Number(values.inflight);
const ops = values.ops.split(',') as ('get' | 'set')[];

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** utime + stime of a process, in microseconds. */
async function cpuUs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** One server as the bench drives it: its process and one Get and one Set through its client. */
interface Target {
  readonly name: string;
  /** Whose plain figure this one's gate is compared with. */
  readonly baseline: string;
  readonly pid: number;
  get(): Promise<unknown>;
  set(): Promise<unknown>;
  close(): Promise<void>;
}

type Op = 'get' | 'set';

async function measure(target: Target, op: Op): Promise<{ serverUsPerOp: number; opsPerSec: number }> {
  const call = op === 'get' ? () => target.get() : () => target.set();
  const count = op === 'get' ? gets : Math.ceil(gets / 4);
  for (let i = 0; i < (op === 'get' ? 3000 : 500); i++) await call();
  const cpu0 = await cpuUs(target.pid);
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < count) {
        next++;
        await call();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { serverUsPerOp: ((await cpuUs(target.pid)) - cpu0) / count, opsPerSec: count / seconds };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(join(tmpdir(), 'kvstore-bench-security-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=ca', '-keyout', 'ca.key', '-out', 'ca.crt');
openssl('req', ...ec, '-subj', '/CN=server', '-keyout', 'server.key', '-out', 'server.csr');
await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
openssl(
  'x509',
  '-req',
  '-in',
  'server.csr',
  '-CA',
  'ca.crt',
  '-CAkey',
  'ca.key',
  '-CAcreateserial',
  '-days',
  '1',
  '-extfile',
  'server.ext',
  '-out',
  'server.crt',
);
const { key, entry } = createApiKey('bench');
await writeFile(join(dir, 'keys.yaml'), `${apiKeyLine(entry)}\n`);
const keys = ['--security-api-keys-file', join(dir, 'keys.yaml')];
const tls = ['--grpc-tls-cert', join(dir, 'server.crt'), '--grpc-tls-key', join(dir, 'server.key')];
const ca = await readFile(join(dir, 'ca.crt'));
// JWT (HS256): one token for the whole run, so the server verifies it once and then finds it cached.
const secret = randomBytes(32);
await writeFile(join(dir, 'jwt.secret'), secret);
const jwtArgs = [
  '--security-jwt-secret-file',
  join(dir, 'jwt.secret'),
  '--security-jwt-issuer',
  'bench',
  '--security-jwt-audience',
  'kvstore',
];
const jwtClaims = { sub: 'bench', iss: 'bench', aud: 'kvstore', roles: ['admin'] };
const sign = (claims: Record<string, unknown>) =>
  new SignJWT({ ...jwtClaims, exp: Math.floor(Date.now() / 1000) + 3600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new Uint8Array(secret));
const token = await sign({});

// The verifier alone, in this process: a new token each time (what a cache miss costs) and the same one.
{
  const verifier = await JwtAuthenticator.load({
    jwtSecretFile: join(dir, 'jwt.secret'),
    jwtPublicKeyFile: '',
    jwtJwksFile: '',
    jwtIssuer: 'bench',
    jwtAudience: 'kvstore',
    jwtRolesClaim: 'roles',
    jwtClockSkewMs: 30_000,
  });
  const n = 2000;
  const fresh = await Promise.all(Array.from({ length: n }, (_, i) => sign({ jti: String(i) })));
  let t0 = performance.now();
  for (const t of fresh) {
    await verifier.prepare(t);
    verifier.verified(t);
  }
  const missUs = ((performance.now() - t0) * 1000) / n;
  t0 = performance.now();
  for (let i = 0; i < 10 * n; i++) {
    const pending = verifier.prepare(token);
    if (pending) await pending;
    verifier.verified(token);
  }
  const hitUs = ((performance.now() - t0) * 1000) / (10 * n);
  console.log(JSON.stringify({ jwtVerifyHS256UsPerNewToken: missUs, jwtCachedUsPerCall: hitUs }));
  process.stderr.write(
    `[bench] JWT HS256 check: ${missUs.toFixed(1)} us per new token, ${hitUs.toFixed(2)} us per cached call\n`,
  );
}

const value = 'x'.repeat(100);
const modes = [
  { name: 'plain', args: [] as string[], options: {} },
  { name: 'api-key', args: keys, options: { apiKey: key } },
  { name: 'tls+api-key', args: [...tls, ...keys], options: { apiKey: key, tls: { ca } } },
  { name: 'jwt', args: jwtArgs, options: { apiKey: token } },
];

/** A kvstore server in one of the modes, driven by the TypeScript client. */
async function kvstoreTarget(m: (typeof modes)[number]): Promise<Target> {
  const server: LocalServer = await startLocalServer({ durability: 'relaxed', extraArgs: m.args });
  const client: KvClient = connect({ endpoints: [server.addr], ...m.options });
  await client.set('bench/key', value);
  return {
    name: m.name,
    baseline: 'plain',
    pid: server.pid,
    get: () => client.get('bench/key'),
    set: () => client.set('bench/key', value),
    async close() {
      client.close();
      await server.stop();
    },
  };
}

/**
 * etcd 3.4 plain, and with TLS + authentication (`etcdctl user add root`, `auth enable`: each call carries
 * the simple token its client got from Authenticate), driven by the etcd3 npm client: etcd's own gate cost.
 */
async function etcdTarget(secure: boolean): Promise<Target> {
  const etcd = await startEtcd(
    secure ? { tls: { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') } } : {},
  );
  const endpoint = `${secure ? 'https' : 'http'}://${etcd.addr}`;
  if (secure) {
    const etcdctl = (...args: string[]) =>
      execFileSync('etcdctl', ['--endpoints', endpoint, '--cacert', join(dir, 'ca.crt'), ...args], {
        stdio: 'ignore',
        env: { ...process.env, ETCDCTL_API: '3' },
      });
    etcdctl('user', 'add', 'root:bench-password');
    etcdctl('auth', 'enable');
  }
  const client = new Etcd3({
    hosts: endpoint,
    ...(secure
      ? { credentials: { rootCertificate: ca }, auth: { username: 'root', password: 'bench-password' } }
      : {}),
  });
  await client.put('bench/key').value(value).exec();
  return {
    name: secure ? `etcd ${etcd.version} tls+auth` : `etcd ${etcd.version} plain`,
    baseline: `etcd ${etcd.version} plain`,
    pid: etcd.pid,
    get: () => client.get('bench/key').string(),
    set: () => client.put('bench/key').value(value).exec(),
    async close() {
      client.close();
      await etcd.stop();
    },
  };
}

/** Starts every server of the comparison, in a rotated order (so none is always started first). */
async function startAll(rotation: number): Promise<Target[]> {
  const starts: (() => Promise<Target>)[] = modes.map((m) => () => kvstoreTarget(m));
  if (!values['no-etcd'] && etcdAvailable())
    starts.push(
      () => etcdTarget(false),
      () => etcdTarget(true),
    );
  const order = starts.map((_, i) => (i + rotation) % starts.length);
  const started: Target[] = new Array(starts.length);
  try {
    for (const i of order) started[i] = await starts[i]!();
  } catch (err) {
    // A start that fails stops what this round started already, so a failed bench leaves no process.
    for (const target of started) await target?.close();
    throw err;
  }
  return started;
}

// Every repetition starts fresh server processes: two processes of the same build differ by more than the
// gate costs (+-15 % in server CPU per Get, quiet machine), so one process per mode would measure that.
const runs = new Map<string, Record<Op, number[]>>();
const baselineOf = new Map<string, string>();
let running: Target[] = [];
try {
  for (let r = 0; r < reps; r++) {
    running = await startAll(r);
    // Measured in a rotated order too, so no mode is always measured first or last.
    const order = running.map((_, i) => running[(i + r) % running.length]!);
    for (const op of ops) {
      for (const target of order) {
        const result = await measure(target, op);
        baselineOf.set(target.name, target.baseline);
        const mine = runs.get(target.name) ?? { get: [], set: [] };
        runs.set(target.name, mine);
        mine[op].push(result.serverUsPerOp);
        console.log(JSON.stringify({ mode: target.name, op, inflight, rep: r + 1, ...result }));
      }
    }
    for (const target of running) await target.close();
    running = [];
  }
  for (const op of ops) {
    for (const [name, mine] of runs) {
      const plain = median(runs.get(baselineOf.get(name)!)![op]);
      const med = median(mine[op]);
      process.stderr.write(
        `[bench] ${op} ${name}: server ${med.toFixed(1)} us/op (${(((med - plain) / plain) * 100).toFixed(1)} % vs its plain), ` +
          `${inflight} in flight, medians of ${reps} fresh processes\n`,
      );
    }
  }
} finally {
  for (const target of running) await target.close();
  await rm(dir, { recursive: true, force: true });
}
