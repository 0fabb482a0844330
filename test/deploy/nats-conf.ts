import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp-dir.js';

/** The parts of a NATS server configuration file the deploy tests compare with what points at it. */
export interface NatsConf {
  /** Settings by dotted path (`port`, `jetstream.store_dir`, `cluster.port`), values as written. */
  readonly values: ReadonlyMap<string, string>;
  /** `cluster.routes`, as written. */
  readonly routes: readonly string[];
}

/**
 * Reads the NATS configuration files of deploy/: one `key: value` per line, `name {` ... `}` blocks and a
 * `routes: [` ... `]` list. Not a general parser of the format: {@link checkNatsConf} is the server's word on
 * whether a file is valid; this only finds the values in the files we write.
 */
export function readNatsConf(text: string): NatsConf {
  const values = new Map<string, string>();
  const routes: string[] = [];
  const blocks: string[] = [];
  let inRoutes = false;
  for (const full of text.split('\n')) {
    const line = full.replace(/#.*$/, '').trim();
    if (line === '') continue;
    if (inRoutes) {
      if (line === ']') inRoutes = false;
      else routes.push(...line.split(/[\s,]+/).filter(Boolean));
      continue;
    }
    const open = /^([a-z_]+)\s*\{$/.exec(line);
    if (open) blocks.push(open[1]!);
    else if (line === '}') blocks.pop();
    else if (/^routes:\s*\[$/.test(line)) inRoutes = true;
    else {
      const kv = /^([a-z_]+)\s*[:=]\s*(.+)$/.exec(line);
      if (!kv) throw new Error(`cannot read NATS config line: ${full}`);
      values.set([...blocks, kv[1]!].join('.'), kv[2]!.replace(/^"(.*)"$/, '$1'));
    }
  }
  return { values, routes };
}

/** Runs `nats-server -t` (test the configuration and exit) on the text; returns its verdict. */
export async function checkNatsConf(
  text: string,
  env: Record<string, string> = {},
): Promise<{ ok: boolean; output: string }> {
  const file = join(await tempDir(), 'nats.conf');
  writeFileSync(file, text);
  const run = spawnSync('nats-server', ['-t', '-c', file], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/usr/sbin', ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

/** A route URL's host and port (`nats-route://nats1:6222`). */
export function routeTarget(route: string): { host: string; port: number } {
  const m = /^nats-route:\/\/([^:/]+):(\d+)$/.exec(route);
  if (!m) throw new Error(`not a route URL: ${route}`);
  return { host: m[1]!, port: Number(m[2]) };
}
