import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const CPUS = cpus().length;
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time used so far by the processes we account for, and the machine's tick counters. */
export interface CpuSnapshot {
  readonly at: number;
  /** This process, all its threads (the load client). */
  readonly clientSeconds: number;
  /** Each server process; null when it could not be read. */
  readonly serverSeconds: readonly (number | null)[];
  readonly machine: { readonly idle: number; readonly steal: number; readonly total: number };
}

/** CPU use over a window, in cores (1.0 = one core busy for the whole window). */
export interface CpuUse {
  readonly wall_s: number;
  readonly client_cores: number;
  readonly server_cores?: number;
  readonly machine_busy_pct: number | null;
  readonly steal_pct: number | null;
  /** Busy cores that are neither this client nor the named servers: non-zero means the machine was shared. */
  readonly foreign_cores?: number;
}

/** utime + stime of a process from /proc (Linux), in seconds; null when it cannot be read. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Resident memory of a process in MiB, from /proc; null when it cannot be read. */
export function processRssMiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

function machineTicks(): CpuSnapshot['machine'] {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const at = (i: number) => line[i] ?? 0;
    // user nice system idle iowait irq softirq steal (guest time is already counted in user)
    return { idle: at(3) + at(4), steal: at(7), total: line.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return { idle: 0, steal: 0, total: 0 };
  }
}

/** Takes a snapshot now. */
export function cpuSnapshot(serverPids: readonly number[]): CpuSnapshot {
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    clientSeconds: (usage.user + usage.system) / 1e6,
    serverSeconds: serverPids.map(processCpuSeconds),
    machine: machineTicks(),
  };
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** CPU use between two snapshots. */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const wall = (b.at - a.at) / 1000;
  const clientCores = (b.clientSeconds - a.clientSeconds) / wall;
  const ticks = b.machine.total - a.machine.total;
  const busyShare = ticks > 0 ? 1 - (b.machine.idle - a.machine.idle) / ticks : null;
  let serverCores: number | undefined;
  if (a.serverSeconds.length > 0) {
    serverCores =
      a.serverSeconds.reduce<number>((sum, s, i) => sum + ((b.serverSeconds[i] ?? 0) - (s ?? 0)), 0) / wall;
  }
  return {
    wall_s: r2(wall),
    client_cores: r2(clientCores),
    ...(serverCores === undefined ? {} : { server_cores: r2(serverCores) }),
    machine_busy_pct: busyShare === null ? null : Math.round(busyShare * 1000) / 10,
    steal_pct: ticks > 0 ? Math.round(((b.machine.steal - a.machine.steal) / ticks) * 1000) / 10 : null,
    ...(serverCores !== undefined && busyShare !== null
      ? { foreign_cores: r2(Math.max(0, busyShare * CPUS - clientCores - serverCores)) }
      : {}),
  };
}

/** Share of the machine busy over `ms` (0..100), to tell whether figures will be taken on a quiet machine. */
export async function machineBusyPct(ms = 1000): Promise<number> {
  const a = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = machineTicks();
  const ticks = b.total - a.total;
  return ticks > 0 ? Math.round((1 - (b.idle - a.idle) / ticks) * 1000) / 10 : 0;
}
