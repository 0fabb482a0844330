/**
 * The cost of the security gate per Get, on the server (issue 13: "the gate adds at most 10 % server CPU per
 * Get"): one server plain, one with API keys, one with TLS + API keys, one with a JWT (HS256, the same
 * token on every call, so verified once and then cached), driven by the TypeScript client; and the JWT
 * verifier alone, per new token and per cached call.
 *
 *   npm run build && npx tsx bench/security.ts [--gets 20000] [--reps 5] [--inflight 16]
 *
 * Server CPU (user + system from /proc/PID/stat) per Get; runs alternate between the servers; one JSON line
 * per run, medians on stderr. Certificates are made with openssl in a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { type LocalServer, startLocalServer } from '../load/local-server.js';
import { connect, type KvClient } from '../src/client/index.js';
import { apiKeyLine, createApiKey } from '../src/security/api-keys.js';
import { JwtAuthenticator } from '../src/security/jwt.js';

const { values } = parseArgs({
  options: {
    gets: { type: 'string', default: '20000' },
    reps: { type: 'string', default: '5' },
    inflight: { type: 'string', default: '16' },
  },
});
const gets = Number(values.gets);
const reps = Number(values.reps);
const inflight = Number(values.inflight);

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** utime + stime of a process, in microseconds. */
async function cpuUs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

async function measure(
  server: LocalServer,
  client: KvClient,
): Promise<{ serverUsPerGet: number; getsPerSec: number }> {
  for (let i = 0; i < 500; i++) await client.get('bench/key');
  const cpu0 = await cpuUs(server.pid);
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next < gets) {
        next++;
        await client.get('bench/key');
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { serverUsPerGet: ((await cpuUs(server.pid)) - cpu0) / gets, getsPerSec: gets / seconds };
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

const modes = [
  { name: 'plain', args: [] as string[], options: {} },
  { name: 'api-key', args: keys, options: { apiKey: key } },
  { name: 'tls+api-key', args: [...tls, ...keys], options: { apiKey: key, tls: { ca } } },
  { name: 'jwt', args: jwtArgs, options: { apiKey: token } },
];
const running: { name: string; server: LocalServer; client: KvClient; runs: number[] }[] = [];
try {
  for (const m of modes) {
    const server = await startLocalServer({ durability: 'relaxed', extraArgs: m.args });
    const client = connect({ endpoints: [server.addr], ...m.options });
    running.push({ name: m.name, server, client, runs: [] });
    await client.set('bench/key', 'x'.repeat(100));
  }
  for (let r = 0; r < reps; r++) {
    for (const m of running) {
      const result = await measure(m.server, m.client);
      m.runs.push(result.serverUsPerGet);
      console.log(JSON.stringify({ mode: m.name, inflight, rep: r + 1, ...result }));
    }
  }
  const plain = median(running[0]!.runs);
  for (const m of running) {
    const med = median(m.runs);
    process.stderr.write(
      `[bench] ${m.name}: server ${med.toFixed(1)} us/Get (${(((med - plain) / plain) * 100).toFixed(1)} % vs plain), ` +
        `${inflight} in flight, medians of ${reps}\n`,
    );
  }
} finally {
  for (const m of running) {
    m.client.close();
    await m.server.stop();
  }
  await rm(dir, { recursive: true, force: true });
}
