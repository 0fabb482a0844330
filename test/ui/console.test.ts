import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';

/** Directories that live as long as this file's server (tempDir's are removed after each test). */
const suiteDirs: string[] = [];
async function suiteDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  suiteDirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of suiteDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/**
 * The web console in a real browser: Debian's chromium (apt-get install chromium; .ci/run installs it)
 * driven by playwright-core, against a real server, next to the real CLI. With KVSTORE_SCREENSHOTS=1 the
 * screenshots go to docs/console/ (committed, shown in docs/console.md); otherwise to a temp dir.
 */
const CHROMIUM = '/usr/bin/chromium';
// Outside CI the test skips without chromium; CI (.ci/run installs it) runs it and fails without it.
const available = existsSync(CHROMIUM) || process.env.CI === 'true';

let server: ServerProcess;
let browser: Browser;
let page: Page;
let base: string;
let shots: string;
const env = () => ({ KVSTORE_ADDR: server.addr });

beforeAll(async () => {
  if (!available) return;
  server = await startServerProcess(await suiteDir('kvstore-console-'));
  base = `http://127.0.0.1:${server.httpPort}`;
  shots = process.env.KVSTORE_SCREENSHOTS === '1' ? 'docs/console' : await suiteDir('kvstore-shots-');
  await mkdir(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${base}/ui/`);
  await page.getByTestId('status').filter({ hasText: 'revision' }).waitFor();
});

afterAll(async () => {
  if (!available) return;
  await browser?.close();
  await server?.stop();
});

/** `kvstore watch ARGS`, its stdout lines as they come. */
function cliWatch(args: string[]): {
  lines: string[];
  child: ChildProcess;
  until(text: string): Promise<void>;
} {
  const child = spawn(process.execPath, ['bin/kvstore', 'watch', ...args], {
    env: { ...process.env, ...env() },
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) w();
  });
  return {
    lines,
    child,
    async until(text) {
      const deadline = Date.now() + 10_000;
      while (!lines.some((l) => l.includes(text))) {
        if (Date.now() > deadline)
          throw new Error(`kvstore watch printed no line with ${text}: ${lines.join('\n')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}

async function revision(): Promise<number> {
  const status = (await (await fetch(`${base}/v1/status`)).json()) as { header: { revision: number } };
  return status.header.revision;
}

describe.runIf(available)('the web console at /ui/ in chromium', () => {
  it('creates a key that a CLI watch sees', async () => {
    const watch = cliWatch(['--prefix', 'console/', '--from-revision', String((await revision()) + 1)]);
    try {
      await page.getByTestId('new-key').click();
      await page.getByTestId('key').fill('console/settings/theme');
      await page.getByTestId('value').fill('dark');
      await page.getByTestId('save').click();
      await expect.poll(() => page.getByTestId('message').textContent()).toMatch(/^saved at revision \d+/);
      await watch.until('console/settings/theme');
      expect(watch.lines.find((l) => l.includes('console/settings/theme'))).toMatch(
        /\tPUT\tconsole\/settings\/theme\tdark$/,
      );
    } finally {
      watch.child.kill('SIGINT');
    }
    // The tree shows it under its folders.
    await page.locator('#tree .leaf[data-key="console/settings/theme"]').waitFor();
  });

  it('shows a key written with the CLI in the live pane within a second', async () => {
    const result = await kvstore(['set', 'console/from-cli', 'hello from the shell'], { env: env() });
    expect(result.code).toBe(0);
    const written = Date.now();
    await page.locator('#events li[data-key="console/from-cli"]').waitFor({ timeout: 1_000 });
    expect(Date.now() - written).toBeLessThan(1_000);
    expect(await page.locator('#events li[data-key="console/from-cli"]').first().textContent()).toContain(
      'PUT console/from-cli = hello from the shell',
    );
  });

  it('shows the conflict and both values when a save has a stale revision, then overwrites on request', async () => {
    await page.locator('#tree .leaf[data-key="console/settings/theme"]').click();
    await expect.poll(() => page.getByTestId('value').inputValue()).toBe('dark');
    await page.getByTestId('value').fill('light (typed in the console)');
    // Someone else changes the key meanwhile.
    expect((await kvstore(['set', 'console/settings/theme', 'solarized'], { env: env() })).code).toBe(0);
    await page.getByTestId('save').click();
    await page.getByTestId('conflict').waitFor();
    expect(await page.getByTestId('conflict-mine').textContent()).toBe('light (typed in the console)');
    expect(await page.getByTestId('conflict-theirs').textContent()).toBe('solarized');
    await page.screenshot({ path: join(shots, 'conflict.png') });
    await page.getByTestId('overwrite').click();
    await expect.poll(() => page.getByTestId('message').textContent()).toMatch(/^saved at revision/);
    const after = await kvstore(['get', 'console/settings/theme'], { env: env() });
    expect(after.stdout.trim()).toBe('light (typed in the console)');
    // The key's history (a watch from its create revision) shows all three values.
    await expect.poll(() => page.getByTestId('history').locator('li').count()).toBeGreaterThanOrEqual(3);
  });

  it('charts non-zero requests/s under a small load, and reads fine on a phone', async () => {
    const load = (async () => {
      for (let i = 0; i < 150; i++) {
        await fetch(`${base}/v1/kv/console/load/${i % 10}`, { method: 'PUT', body: String(i) });
      }
    })();
    await expect
      .poll(async () => Number(await page.getByTestId('chart-ops').getAttribute('data-value')), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    await load;
    // The charts have caught up with the load (the screenshot shows them as they are).
    const final = await revision();
    await expect
      .poll(async () => Number(await page.getByTestId('chart-revision').getAttribute('data-value')), {
        timeout: 5_000,
      })
      .toBeGreaterThanOrEqual(final);
    await page.getByTestId('query').fill('console/**');
    await page.getByTestId('search').locator('button').click();
    await page.locator('#tree .leaf[data-key="console/load/9"]').waitFor();
    await page.locator('#tree .leaf[data-key="console/from-cli"]').click();
    await expect.poll(() => page.getByTestId('value').inputValue()).toBe('hello from the shell');
    await page.screenshot({ path: join(shots, 'desktop.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    // Evaluated in the page (a string: the tests are type-checked without the DOM library).
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(shots, 'phone.png'), fullPage: true });
    // Backup download is a plain link to the API.
    expect(await page.getByTestId('backup').getAttribute('href')).toBe('../v1/backup');
  });
});
