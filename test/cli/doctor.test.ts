import { spawn } from 'node:child_process';
import { readdir, utimes } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kvstore } from '../helpers/cli.js';
import { freePort, natsServer } from '../helpers/nats-server.js';
import { startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

// kvstore doctor against real servers: healthy says so and exits 0; each planted problem is named, with
// what to do, and exits 5.
const line = (stdout: string, check: string) =>
  stdout.split('\n').find((l) => l.includes(` ${check}: `)) ?? '';

describe('kvstore doctor', () => {
  it('finds nothing wrong with a healthy server, then each planted problem with its fix', async () => {
    const dir = await tempDir();
    // A checkpoint every 10 revisions, so that one exists to age.
    const server = await startServerProcess(dir, ['--checkpoint-every-revisions', '10']);
    try {
      const addr = ['--addr', server.addr];
      for (let i = 0; i < 12; i++) expect((await kvstore(['set', `k/${i % 3}`, 'v', ...addr])).code).toBe(0);

      const healthy = await kvstore(['doctor', ...addr, '--data-dir', dir]);
      expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
      for (const check of ['server', 'disk headroom', 'checkpoint', 'compaction', 'log size', 'NATS'])
        expect(line(healthy.stdout, check), check).toMatch(/^ok /);
      expect(line(healthy.stdout, 'checkpoint')).toMatch(
        /checkpoint at revision 10, written \d+s ago; a restart replays 2 revisions/,
      );
      expect(healthy.stdout).not.toContain('PROBLEM');

      // Disk headroom under a threshold no disk meets.
      const disk = await kvstore(['doctor', ...addr, '--data-dir', dir, '--min-free', '100']);
      expect(disk.code).toBe(5);
      expect(line(disk.stdout, 'disk headroom')).toMatch(/^PROBLEM .*% free .* under 100 %/);
      expect(disk.stdout).toMatch(/fix: free space before the log fails a write: compact the history/);
      expect(disk.stderr).toContain('1 problem found');

      // Compaction never run, with a history over the limit; fixed by compacting.
      const never = await kvstore(['doctor', ...addr, '--max-history', '5']);
      expect(never.code).toBe(5);
      expect(line(never.stdout, 'compaction')).toMatch(
        /^PROBLEM .*never compacted: the log holds all 12 revisions/,
      );
      expect(never.stdout).toContain('fix: compaction has never run: run kvstore compact REVISION');
      expect(line(never.stdout, 'disk headroom')).toMatch(/^skipped .*--data-dir/);
      expect((await kvstore(['compact', '10', ...addr])).code).toBe(0);
      const compacted = await kvstore(['doctor', ...addr, '--max-history', '5']);
      expect(compacted.code, compacted.stdout).toBe(0);
      expect(line(compacted.stdout, 'compaction')).toMatch(/^ok .*compacted up to revision 10; 3 revisions/);

      // A log large for its keys.
      const log = await kvstore(['doctor', ...addr, '--max-log-per-key', '1KiB']);
      expect(log.code).toBe(5);
      expect(line(log.stdout, 'log size')).toMatch(/^PROBLEM .* for 3 keys .* over 1\.0 KiB per key/);
      expect(log.stdout).toContain('fix: the log is mostly old history: compact it');

      // A stale checkpoint: writes after it, and its file two days old.
      const checkpoints = join(dir, 'checkpoints');
      const old = new Date(Date.now() - 2 * 86_400_000);
      for (const name of await readdir(checkpoints)) await utimes(join(checkpoints, name), old, old);
      const stale = await kvstore(['doctor', ...addr, '--data-dir', dir]);
      expect(stale.code).toBe(5);
      expect(line(stale.stdout, 'checkpoint')).toMatch(
        /^PROBLEM .*written 2d ago.*older than 24h with writes after it/,
      );
      expect(stale.stdout).toContain('fix: checkpoints are not being written');

      // Usage errors.
      expect((await kvstore(['doctor', ...addr, '--min-free', 'lots'])).code).toBe(2);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // No server: exit 3, the data directory still checked.
    const gone = await kvstore(['doctor', '--addr', server.addr, '--data-dir', dir, '--timeout', '2s']);
    expect(gone.code).toBe(3);
    expect(line(gone.stdout, 'server')).toMatch(/^PROBLEM /);
    expect(gone.stdout).toContain('fix: start it (kvstore serve)');
    expect(line(gone.stdout, 'disk headroom')).toMatch(/^ok /);
  }, 60_000);

  it('reports a NATS server it cannot reach, with --json', async () => {
    const nats = await natsServer(await tempDir());
    await nats.start();
    const server = await startServerProcess(await tempDir(), ['--nats-url', nats.url]);
    try {
      const addr = ['--addr', server.addr];
      expect((await kvstore(['set', 'a', '1', ...addr])).code).toBe(0);
      const connected = await kvstore(['doctor', ...addr, '--json']);
      expect(connected.code, connected.stdout).toBe(0);
      const ok = JSON.parse(connected.stdout) as {
        problems: number;
        checks: { name: string; status: string }[];
      };
      expect(ok.checks.find((c) => c.name === 'NATS')).toMatchObject({ status: 'ok' });

      await nats.stop();
      // Until the publisher notices the lost connection, doctor may still see it connected: wait for it.
      const deadline = Date.now() + 20_000;
      let report: {
        problems: number;
        checks: { name: string; status: string; detail: string; fix?: string }[];
      };
      let code: number | null;
      do {
        await kvstore(['set', 'a', '2', ...addr]);
        const r = await kvstore(['doctor', ...addr, '--json']);
        code = r.code;
        report = JSON.parse(r.stdout) as typeof report;
      } while (code === 0 && Date.now() < deadline);
      expect(code).toBe(5);
      const natsCheck = report.checks.find((c) => c.name === 'NATS')!;
      expect(natsCheck.status).toBe('problem');
      expect(natsCheck.fix).toContain('check nats.url, that nats-server runs');
      expect(report.problems).toBe(1);
    } finally {
      await nats.stop();
      await server.stop();
    }
  }, 60_000);

  it('compares clocks with a NATS server, and names a skewed one', async () => {
    const server = await startServerProcess(await tempDir());
    const port = await freePort();
    const nats = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(await freePort()), '-m', String(port)],
      {
        stdio: 'ignore',
      },
    );
    // A monitoring endpoint whose clock is 10 minutes ahead.
    const skewed = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ now: new Date(Date.now() + 600_000).toISOString() }));
    });
    await new Promise<void>((resolve) => skewed.listen(0, '127.0.0.1', resolve));
    try {
      const addr = ['--addr', server.addr];
      const monitor = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 10_000;
      while (
        !(await fetch(`${monitor}/varz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error('nats-server monitoring did not answer');
        await new Promise((r) => setTimeout(r, 50));
      }
      const ok = await kvstore(['doctor', ...addr, '--nats-monitor', monitor]);
      expect(ok.code, ok.stdout).toBe(0);
      expect(line(ok.stdout, 'clock skew')).toMatch(
        /^ok .*clock is \d+ ms off the NATS server's \(round trip \d+ ms\)/,
      );

      const far = `http://127.0.0.1:${(skewed.address() as AddressInfo).port}`;
      const off = await kvstore(['doctor', ...addr, '--nats-monitor', far]);
      expect(off.code).toBe(5);
      expect(line(off.stdout, 'clock skew')).toMatch(/^PROBLEM .*clock is 59\d{4} ms off .* over 500 ms/);
      expect(off.stdout).toContain('fix: run NTP (chrony or systemd-timesyncd)');

      const none = await kvstore(['doctor', ...addr, '--nats-monitor', 'http://127.0.0.1:1']);
      expect(none.code).toBe(5);
      expect(line(none.stdout, 'clock skew')).toMatch(
        /^PROBLEM {2}clock skew: cannot read http:\/\/127\.0\.0\.1:1\/varz/,
      );
      expect(line((await kvstore(['doctor', ...addr])).stdout, 'clock skew')).toMatch(
        /^skipped .*--nats-monitor/,
      );
    } finally {
      skewed.close();
      nats.kill('SIGTERM');
      await server.stop();
    }
  }, 60_000);
});
