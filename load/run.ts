import { machineBusyPct } from './cpu.js';
import { type LocalServer, startLocalServer } from './local-server.js';
import type { LoadOptions } from './options.js';
import { LOAD_TOOL, type LoadLog, type LoadResult } from './result.js';
import { runKv } from './run-kv.js';
import { runWatch } from './run-watch.js';
import { type Base, host } from './run-window.js';
import { connectTarget } from './targets/index.js';

export type { LoadLog, LoadResult } from './result.js';
export { LOAD_TOOL } from './result.js';

/**
 * Runs one load scenario and returns its figures. Without `options.addr` it starts a kvstore server on free
 * loopback ports for the run (and reports that server's CPU); with it, it drives the server given.
 */
export async function runLoad(options: LoadOptions, log: LoadLog = () => {}): Promise<LoadResult> {
  let local: LocalServer | undefined;
  if (options.addr === undefined) {
    if (options.target !== 'kvstore') throw new Error(`--target ${options.target} needs --addr`);
    local = await startLocalServer({ durability: options.durability });
    log(
      `started kvstore (pid ${local.pid}, ${options.durability}) on ${local.addr}, admin ${local.httpAddr}`,
    );
  }
  try {
    const addr = options.addr ?? local!.addr;
    const pids = local ? [local.pid, ...options.serverPids] : options.serverPids;
    const probe = await connectTarget(options.target, { addr, conns: 1, serializable: options.serializable });
    let server: Record<string, unknown>;
    try {
      server = await probe.info();
    } finally {
      probe.close();
    }
    const busy = await machineBusyPct(500);
    if (busy > 10)
      log(`note: the machine was ${busy} % busy before the run; figures are not from a quiet machine`);
    const base: Base = {
      tool: LOAD_TOOL,
      ts: new Date().toISOString(),
      ...(options.label === undefined ? {} : { label: options.label }),
      scenario: options.scenario,
      target: options.target,
      addr,
      server_started: local !== undefined,
      server,
      pre_busy_pct: busy,
      host: host(),
    };
    return options.scenario === 'watch'
      ? await runWatch(options, addr, pids, base, log)
      : await runKv(options, addr, pids, base, log);
  } finally {
    await local?.stop();
  }
}
