import type { CertificateFacts } from './doctor-certificates.js';

/**
 * What `kvstore doctor` judges, as a pure function of facts it gathered (the server's Status, the data
 * directory's file system and checkpoints): each check says ok, problem (with what to do) or skipped (why).
 */

/** The facts doctor gathered; a missing part is null (no --data-dir, server unreachable). */
export interface DoctorFacts {
  readonly server: {
    readonly revision: number;
    readonly compactRevision: number;
    readonly keys: number;
    readonly logBytes: number;
    readonly checkpointRevision: number;
    /** null when the server does not publish to NATS. */
    readonly nats: {
      readonly state: string;
      readonly lagRevisions: number;
      readonly lastError: string;
    } | null;
  } | null;
  readonly dataDir: {
    readonly path: string;
    readonly availableBytes: number;
    readonly sizeBytes: number;
    /** Modification time (ms since the epoch) of the newest checkpoint file; null when there is none. */
    readonly newestCheckpointAt: number | null;
  } | null;
  readonly now: number;
  /**
   * This machine's clock against the NATS server's (`now` of its monitoring endpoint /varz), when asked
   * for: skew beyond what the round trip leaves uncertain, or why it could not be read.
   */
  readonly clock:
    | { readonly url: string; readonly skewMs: number; readonly rttMs: number }
    | { readonly url: string; readonly error: string }
    | null;
  /**
   * The certificate files the server's configuration names (--config FILE and KVSTORE_* variables, read as
   * serve reads them); null when doctor was given no configuration.
   */
  readonly certificates: readonly CertificateFacts[] | null;
}

/** Where doctor draws the line; every one is a flag (`kvstore doctor --help`). */
export interface DoctorThresholds {
  /** Least free space on data.dir's file system, as a percentage of its size. */
  readonly minFreePercent: number;
  /** Oldest a checkpoint may be while writes happened after it. */
  readonly maxCheckpointAgeMs: number;
  /** Most revisions a restart may have to replay (revision - checkpoint revision). */
  readonly maxReplayRevisions: number;
  /** Most revisions of history kept (revision - compact revision). */
  readonly maxHistoryRevisions: number;
  /** Most log bytes per live key. */
  readonly maxLogBytesPerKey: number;
  /** Most revisions NATS may be behind. */
  readonly maxNatsLag: number;
  /** Most clock skew against the NATS server. */
  readonly maxClockSkewMs: number;
  /** A certificate that expires sooner than this is a warning (an expired one is a problem). */
  readonly minCertValidityMs: number;
}

export const DEFAULT_THRESHOLDS: DoctorThresholds = {
  minFreePercent: 10,
  maxCheckpointAgeMs: 24 * 3_600_000,
  maxReplayRevisions: 1_000_000,
  maxHistoryRevisions: 1_000_000,
  maxLogBytesPerKey: 1024 * 1024,
  maxNatsLag: 1000,
  maxClockSkewMs: 500,
  minCertValidityMs: 30 * 86_400_000,
};

export interface DoctorCheck {
  readonly name: string;
  /** A warning does not change doctor's exit status; a problem does. */
  readonly status: 'ok' | 'warning' | 'problem' | 'skipped';
  /** What was found. */
  readonly detail: string;
  /** What to do (problems only). */
  readonly fix?: string;
}

export function diagnose(facts: DoctorFacts, limits: DoctorThresholds): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const ok = (name: string, detail: string) => checks.push({ name, status: 'ok', detail });
  const problem = (name: string, detail: string, fix: string) =>
    checks.push({ name, status: 'problem', detail, fix });
  const skipped = (name: string, detail: string) => checks.push({ name, status: 'skipped', detail });
  const { server, dataDir } = facts;

  // Disk headroom: a full disk fail-stops the log (the next group commit fails).
  if (dataDir === null) skipped('disk headroom', 'give --data-dir DIR to check the data directory');
  else {
    const percent = dataDir.sizeBytes > 0 ? (100 * dataDir.availableBytes) / dataDir.sizeBytes : 0;
    const detail = `${percent.toFixed(1)} % free (${bytes(dataDir.availableBytes)} of ${bytes(dataDir.sizeBytes)}) on ${dataDir.path}`;
    if (percent < limits.minFreePercent)
      problem(
        'disk headroom',
        `${detail}, under ${limits.minFreePercent} %`,
        'free space before the log fails a write: compact the history (kvstore compact, or compaction.keepRevisions / compaction.keepFor), move backups and other files off the volume, or grow it',
      );
    else ok('disk headroom', detail);
  }

  // Checkpoints: start-up loads the newest and replays the log after it.
  if (server === null) skipped('checkpoint', 'the server did not answer');
  else {
    const replay = server.revision - server.checkpointRevision;
    const age =
      dataDir?.newestCheckpointAt != null ? Math.max(0, facts.now - dataDir.newestCheckpointAt) : null;
    const ageText = age === null ? '' : `, written ${duration(age)} ago`;
    const detail = `checkpoint at revision ${server.checkpointRevision}${ageText}; a restart replays ${replay} revisions`;
    if (replay > limits.maxReplayRevisions)
      problem(
        'checkpoint',
        `${detail} (over ${limits.maxReplayRevisions})`,
        'checkpoints are too far apart or failing: look for checkpoint errors in the server log, and lower checkpoint.everyRevisions or checkpoint.interval',
      );
    else if (age !== null && replay > 0 && age > limits.maxCheckpointAgeMs)
      problem(
        'checkpoint',
        `${detail} (older than ${duration(limits.maxCheckpointAgeMs)} with writes after it)`,
        'checkpoints are not being written: look for checkpoint errors in the server log, check that data.dir/checkpoints is writable, and set checkpoint.interval (0 means never)',
      );
    else ok('checkpoint', detail);
  }

  // History: compaction keeps the log (and a restart's work) bounded.
  if (server === null) skipped('compaction', 'the server did not answer');
  else {
    // compact_revision C: the revisions before C are gone, C..revision are kept.
    const history = server.revision - server.compactRevision + 1;
    const never = server.compactRevision <= 1;
    const detail = never
      ? `never compacted: the log holds all ${server.revision} revisions`
      : `compacted up to revision ${server.compactRevision}; ${history} revisions of history kept`;
    if (history > limits.maxHistoryRevisions)
      problem(
        'compaction',
        `${detail} (over ${limits.maxHistoryRevisions})`,
        `${never ? 'compaction has never run' : 'compaction is behind'}: run kvstore compact REVISION (the oldest revision watchers and backups still need), or set compaction.keepRevisions / compaction.keepFor so the server compacts by itself`,
      );
    else ok('compaction', detail);
  }

  // Log size against what it holds: a log far larger than its keys is history waiting for compaction.
  if (server === null) skipped('log size', 'the server did not answer');
  else {
    const perKey = server.logBytes / Math.max(1, server.keys);
    const detail = `${bytes(server.logBytes)} of log for ${server.keys} keys (${bytes(Math.round(perKey))} per key)`;
    if (perKey > limits.maxLogBytesPerKey)
      problem(
        'log size',
        `${detail}, over ${bytes(limits.maxLogBytesPerKey)} per key`,
        'the log is mostly old history: compact it (kvstore compact, or compaction.keepRevisions / compaction.keepFor); SQLite reuses the freed pages for new writes',
      );
    else ok('log size', detail);
  }

  if (server === null) skipped('NATS', 'the server did not answer');
  else if (server.nats === null) ok('NATS', 'not used (nats.url is empty)');
  else {
    const n = server.nats;
    const detail = `${n.state}, ${n.lagRevisions} revisions behind${n.lastError ? `, last error: ${n.lastError}` : ''}`;
    if (n.state !== 'connected')
      problem(
        'NATS',
        detail,
        'the server cannot publish to NATS (nothing is lost: changes wait in the log): check nats.url, that nats-server runs and is reachable, and its credentials',
      );
    else if (n.lagRevisions > limits.maxNatsLag)
      problem(
        'NATS',
        `${detail} (over ${limits.maxNatsLag})`,
        'NATS is slower than the write rate or catching up after a reconnect: check the NATS server (CPU, disk for JetStream, slow consumers) and the network',
      );
    else ok('NATS', detail);
  }
  // Clock skew: expiry times are absolute (expires_at, written by the node that takes the write), and a
  // cluster's nodes and NATS should agree on the time.
  const clock = facts.clock;
  if (clock === null)
    skipped(
      'clock skew',
      'give --nats-monitor http://NATS-HOST:8222 (nats-server -m 8222) to compare clocks',
    );
  else if ('error' in clock)
    problem(
      'clock skew',
      `cannot read ${clock.url}/varz: ${clock.error}`,
      'check the URL and that nats-server runs with monitoring on (-m PORT or http_port in its config)',
    );
  else {
    const detail = `this machine's clock is ${clock.skewMs} ms off the NATS server's (round trip ${clock.rttMs} ms)`;
    if (clock.skewMs > limits.maxClockSkewMs)
      problem(
        'clock skew',
        `${detail}, over ${limits.maxClockSkewMs} ms`,
        'run NTP (chrony or systemd-timesyncd) on every kvstore and NATS host: TTLs expire by the wall clock of the node that took the write',
      );
    else ok('clock skew', detail);
  }
  checks.push(...certificateChecks(facts.certificates, facts.now, limits.minCertValidityMs));
  return checks;
}

/** TLS certificate expiry: expired or not yet valid is a problem, expiring within the limit a warning. */
function certificateChecks(
  certificates: readonly CertificateFacts[] | null,
  now: number,
  minValidityMs: number,
): DoctorCheck[] {
  const name = 'TLS certificates';
  if (certificates === null)
    return [
      {
        name,
        status: 'skipped',
        detail: "give --config FILE (the server's configuration) to check the certificates it names",
      },
    ];
  if (certificates.length === 0)
    return [{ name, status: 'ok', detail: 'the configuration names no certificate (plaintext)' }];
  return certificates.map((c): DoctorCheck => {
    const check = `TLS ${c.setting}`;
    // Listener files (grpc.tls*, http.tls*) are re-read every security.tlsReloadInterval; NATS's at connect.
    const renew = c.setting.startsWith('nats.')
      ? 'renew it, replace the file and restart the server (it reads NATS TLS files when it starts)'
      : 'renew it and replace the file: the server loads it within security.tlsReloadInterval (restart it when that is 0)';
    if ('error' in c)
      return {
        name: check,
        status: 'problem',
        detail: `${c.path}: ${c.error}`,
        fix: `point ${c.setting} at the PEM certificate file (the server does not start TLS without it)`,
      };
    const file = `${c.path}${c.count > 1 ? ` (${c.count} certificates, the first to expire: ${c.subject})` : ''}`;
    if (now < c.validFrom)
      return {
        name: check,
        status: 'problem',
        detail: `${file} is not valid before ${date(c.validFrom)}`,
        fix: "TLS clients refuse it until then: check this machine's clock, or issue a certificate valid from now",
      };
    if (now >= c.validTo)
      return {
        name: check,
        status: 'problem',
        detail: `${file} expired on ${date(c.validTo)}, ${duration(now - c.validTo)} ago`,
        fix: `TLS clients refuse it: ${renew}`,
      };
    const detail = `${file} expires on ${date(c.validTo)}, in ${duration(c.validTo - now)}`;
    if (c.validTo - now < minValidityMs)
      return {
        name: check,
        status: 'warning',
        detail: `${detail} (under ${duration(minValidityMs)})`,
        fix: `${renew} before then`,
      };
    return { name: check, status: 'ok', detail };
  });
}

function date(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)}h`;
  return `${Math.round(ms / 86_400_000)}d`;
}
