import { readdir, stat, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../config/load.js';
import { parseBytes, parseDuration } from '../../config/units.js';
import { connect } from '../client.js';
import type { Command, CommandContext } from '../command.js';
import { stringFlag } from '../command.js';
import { type CertificateFacts, certificateFacts } from '../doctor-certificates.js';
import {
  DEFAULT_THRESHOLDS,
  type DoctorCheck,
  type DoctorFacts,
  type DoctorThresholds,
  diagnose,
} from '../doctor-rules.js';
import { CliExit, EXIT, usage } from '../exit-codes.js';
import { printJson } from '../output.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check a running server and its data directory; print what is wrong and what to do',
  options: {
    'data-dir': { type: 'string' },
    'min-free': { type: 'string' },
    'max-checkpoint-age': { type: 'string' },
    'max-replay': { type: 'string' },
    'max-history': { type: 'string' },
    'max-log-per-key': { type: 'string' },
    'max-nats-lag': { type: 'string' },
    'nats-monitor': { type: 'string' },
    'max-clock-skew': { type: 'string' },
    config: { type: 'string' },
    'min-cert-validity': { type: 'string' },
  },
  help: `NAME
    kvstore doctor - check a running server and its data directory

SYNOPSIS
    kvstore doctor [--data-dir DIR] [--config FILE] [--addr HOST:PORT] [--json] [THRESHOLDS]

DESCRIPTION
    Asks the server for its Status and looks at its data directory (when --data-dir is given), then
    prints one line per check, ok, WARNING or PROBLEM, and under each what to do:
      disk headroom   free space on DIR's file system (a full disk fail-stops the log)
      checkpoint      revisions a restart would replay, and the age of the newest checkpoint in
                      DIR/checkpoints when writes happened after it
      compaction      revisions of history kept, and whether compaction ever ran
      log size        log bytes per live key (a log far larger than its keys is old history)
      NATS            connected, and how far behind the store it is (when nats.url is set)
      clock skew      this machine's clock against the NATS server's, read from its monitoring
                      endpoint (--nats-monitor URL, nats-server -m PORT); run doctor on the server's
                      host to check the server's clock
      TLS             each certificate file the server's configuration names (grpc.tls*, http.tls*,
                      nats.tls*): a PROBLEM when expired, not yet valid or unreadable, a
                      WARNING when it expires within --min-cert-validity; needs --config FILE (the
                      file serve reads; KVSTORE_* variables count too, as for serve)

THRESHOLDS
    --min-free PERCENT          least free space on DIR's file system (default 10, i.e. 10 %)
    --max-checkpoint-age DUR    oldest checkpoint while writes happened after it (default 24h)
    --max-replay N              most revisions a restart may replay (default 1000000)
    --max-history N             most revisions of uncompacted history (default 1000000)
    --max-log-per-key SIZE      most log bytes per live key (default 1MiB)
    --max-nats-lag N            most revisions NATS may be behind (default 1000)
    --nats-monitor URL          NATS monitoring endpoint to compare clocks with (e.g. http://nats:8222)
    --max-clock-skew DUR        most clock skew against NATS (default 500ms)
    --min-cert-validity DUR     warn when a certificate expires sooner than this (default 30d)

EXIT STATUS
    0 no problem found (warnings may be printed), 5 problems found (each is printed with what to do), 3 the server did not
    answer (the data directory is still checked), 2 usage error.

EXAMPLES
    kvstore doctor --data-dir /var/lib/kvstore
    kvstore doctor --addr 10.0.0.5:50051 --data-dir /data --min-free 20 --json
    kvstore doctor --config /etc/kvstore.yaml --cacert ca.pem --data-dir /var/lib/kvstore`,

  async run(ctx) {
    if (ctx.positionals.length > 0) throw usage('doctor takes no positional arguments', 'doctor');
    const limits = thresholds(ctx);
    const certificates = await configuredCertificates(stringFlag(ctx, 'config'));
    const dirFlag = stringFlag(ctx, 'data-dir');
    let unreachable: string | null = null;
    const clients = connect(ctx.global);
    let server: DoctorFacts['server'] = null;
    try {
      const s = await clients.unary('Admin/Status', {});
      server = {
        revision: s.header?.revision ?? 0,
        compactRevision: s.compact_revision,
        keys: s.keys,
        logBytes: s.log_bytes,
        checkpointRevision: s.checkpoint_revision,
        nats: s.nats
          ? { state: s.nats.state, lagRevisions: s.nats.lag_revisions, lastError: s.nats.last_error }
          : null,
      };
    } catch (err) {
      if (!(err instanceof CliExit)) throw err;
      unreachable = err.message;
    } finally {
      clients.close();
    }
    const dataDir = dirFlag === undefined ? null : await dataDirFacts(dirFlag);
    const monitor = stringFlag(ctx, 'nats-monitor');
    const clock = monitor === undefined ? null : await clockAgainst(monitor, ctx.global.timeoutMs);
    const checks = diagnose({ server, dataDir, now: Date.now(), clock, certificates }, limits);
    const server_: DoctorCheck[] =
      unreachable === null
        ? [{ name: 'server', status: 'ok', detail: `${ctx.global.addr} answered` }]
        : [
            {
              name: 'server',
              status: 'problem',
              detail: unreachable,
              fix: 'start it (kvstore serve), or point --addr (or KVSTORE_ADDR) at it',
            },
          ];
    const all = [...server_, ...checks];
    const problems = all.filter((c) => c.status === 'problem');
    const warnings = all.filter((c) => c.status === 'warning').length;
    if (ctx.global.json) printJson({ problems: problems.length, warnings, checks: all });
    else {
      const marks = { ok: 'ok     ', warning: 'WARNING', problem: 'PROBLEM', skipped: 'skipped' } as const;
      for (const c of all) {
        const mark = marks[c.status];
        process.stdout.write(`${mark}  ${c.name}: ${c.detail}\n`);
        if (c.fix) process.stdout.write(`         fix: ${c.fix}\n`);
      }
    }
    if (unreachable !== null) return EXIT.UNAVAILABLE;
    if (problems.length > 0) {
      const n = problems.length;
      throw new CliExit(EXIT.PROBLEMS_FOUND, `${n} problem${n === 1 ? '' : 's'} found (see fix: above)`);
    }
    return EXIT.OK;
  },
};

function thresholds(ctx: CommandContext): DoctorThresholds {
  const number = (flag: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = stringFlag(ctx, flag);
    if (raw === undefined) return fallback;
    const v = Number(raw.replace(/%$/, ''));
    if (!Number.isFinite(v) || v < 0 || v > max)
      throw usage(`--${flag}: "${raw}" is not a number from 0 to ${max}`, 'doctor');
    return v;
  };
  const age = stringFlag(ctx, 'max-checkpoint-age');
  const ageMs = age === undefined ? DEFAULT_THRESHOLDS.maxCheckpointAgeMs : parseDuration(age, 's');
  if (ageMs === null || ageMs < 0)
    throw usage(`--max-checkpoint-age: "${age}" is not a duration (e.g. 30m, 24h, 7d)`, 'doctor');
  const perKey = stringFlag(ctx, 'max-log-per-key');
  const perKeyBytes = perKey === undefined ? DEFAULT_THRESHOLDS.maxLogBytesPerKey : parseBytes(perKey);
  if (perKeyBytes === null || perKeyBytes < 0)
    throw usage(`--max-log-per-key: "${perKey}" is not a size (e.g. 4096, 64KiB, 1MiB)`, 'doctor');
  const skew = stringFlag(ctx, 'max-clock-skew');
  const skewMs = skew === undefined ? DEFAULT_THRESHOLDS.maxClockSkewMs : parseDuration(skew, 'ms');
  if (skewMs === null || skewMs < 0)
    throw usage(`--max-clock-skew: "${skew}" is not a duration (e.g. 200ms, 1s)`, 'doctor');
  const validity = stringFlag(ctx, 'min-cert-validity');
  const validityMs =
    validity === undefined ? DEFAULT_THRESHOLDS.minCertValidityMs : parseDuration(validity, 's');
  if (validityMs === null || validityMs < 0)
    throw usage(`--min-cert-validity: "${validity}" is not a duration (e.g. 14d, 720h)`, 'doctor');
  return {
    minCertValidityMs: validityMs,
    maxClockSkewMs: skewMs,
    minFreePercent: number('min-free', DEFAULT_THRESHOLDS.minFreePercent, 100),
    maxCheckpointAgeMs: ageMs,
    maxReplayRevisions: number('max-replay', DEFAULT_THRESHOLDS.maxReplayRevisions),
    maxHistoryRevisions: number('max-history', DEFAULT_THRESHOLDS.maxHistoryRevisions),
    maxLogBytesPerKey: perKeyBytes,
    maxNatsLag: number('max-nats-lag', DEFAULT_THRESHOLDS.maxNatsLag),
  };
}

/**
 * The certificate files named by the server's configuration, read as serve reads it (defaults < FILE <
 * KVSTORE_* variables); null without --config.
 */
async function configuredCertificates(file: string | undefined): Promise<CertificateFacts[] | null> {
  if (file === undefined) return null;
  try {
    return await certificateFacts(loadConfig({ file, env: process.env }).config);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliExit(EXIT.USAGE, `--config ${file}: ${err.message}`);
    throw err;
  }
}

/** The data directory's file system and newest checkpoint. */
async function dataDirFacts(dir: string): Promise<NonNullable<DoctorFacts['dataDir']>> {
  const path = resolve(dir);
  const fs = await statfs(path).catch((err: NodeJS.ErrnoException) => {
    throw new CliExit(
      EXIT.USAGE,
      `--data-dir ${dir}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`,
    );
  });
  let newest: number | null = null;
  const checkpoints = join(path, 'checkpoints');
  const names = await readdir(checkpoints).catch(() => [] as string[]);
  for (const name of names) {
    const s = await stat(join(checkpoints, name)).catch(() => null);
    if (s?.isFile() && (newest === null || s.mtimeMs > newest)) newest = s.mtimeMs;
  }
  return {
    path,
    availableBytes: fs.bavail * fs.bsize,
    sizeBytes: fs.blocks * fs.bsize,
    newestCheckpointAt: newest,
  };
}

/**
 * This machine's clock against the NATS server's `now` (GET URL/varz): the skew beyond what the round
 * trip leaves uncertain (the server read its clock somewhere between sending and receiving).
 */
async function clockAgainst(url: string, timeoutMs: number): Promise<NonNullable<DoctorFacts['clock']>> {
  const base = url.replace(/\/+$/, '');
  try {
    const sent = Date.now();
    const res = await fetch(`${base}/varz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { now?: string };
    const received = Date.now();
    if (!res.ok) return { url: base, error: `HTTP ${res.status}` };
    const now = body.now === undefined ? Number.NaN : Date.parse(body.now);
    if (!Number.isFinite(now)) return { url: base, error: 'no "now" in its answer (is it nats-server?)' };
    const rtt = received - sent;
    const skew = Math.max(0, Math.abs(now - (sent + rtt / 2)) - rtt / 2);
    return { url: base, skewMs: Math.round(skew), rttMs: rtt };
  } catch (err) {
    return { url: base, error: (err as Error).message };
  }
}
