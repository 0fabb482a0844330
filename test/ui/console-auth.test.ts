import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../load/ports.js';
import { apiKeyLine, createApiKey } from '../../src/security/api-keys.js';
import { kvstore } from '../helpers/cli.js';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/**
 * The web console with authentication on (issue 16, item 4), in Debian's chromium via playwright-core: a real
 * server with API keys, a roles file and JWTs; the console asks for a credential, shows the server's
 * refusals, shows only what the principal may read (a 403 on the root, then the prefix the user enters), and
 * goes back to the login when the credential is refused later (a revoked key, an expired JWT) or on sign-out.
 * With KVSTORE_SCREENSHOTS=1 the screenshots go to docs/console/.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM) || process.env.CI === 'true';

const ROLES = 'roles:\n  app-reader:\n    read: ["app/**"]\n';
const admin = createApiKey('root', ['admin']);
const reader = createApiKey('reader', ['app-reader']);
const secret = randomBytes(48);

let dir: string;
let port: number;
let server: ServerProcess;
let browser: Browser;
let page: Page;
let base: string;
let shots: string;

/** Starts (or restarts, on the same HTTP port) the server with these API key lines. */
async function serve(keyLines: string[]): Promise<void> {
  await writeFile(join(dir, 'keys.yaml'), `${keyLines.join('\n')}\n`);
  server = await startServerProcess(join(dir, 'data'), [
    '--http-listen',
    `127.0.0.1:${port}`,
    '--security-api-keys-file',
    join(dir, 'keys.yaml'),
    '--security-roles-file',
    join(dir, 'roles.yaml'),
    '--security-jwt-secret-file',
    join(dir, 'jwt.secret'),
    '--security-jwt-issuer',
    'https://id.test',
    '--security-jwt-audience',
    'kvstore',
    '--security-jwt-clock-skew',
    '0s',
    '--security-reload-interval',
    '200ms',
  ]);
}

/** `kvstore ARGS` as another client of the store, with the admin key. */
async function cli(args: string[]): Promise<void> {
  const result = await kvstore(args, { env: { KVSTORE_ADDR: server.addr, KVSTORE_API_KEY: admin.key } });
  expect(result.code, result.stderr).toBe(0);
}

beforeAll(async () => {
  if (!available) return;
  dir = await suiteDir('kvstore-console-auth-');
  await writeFile(join(dir, 'roles.yaml'), ROLES);
  await writeFile(join(dir, 'jwt.secret'), secret);
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await serve([apiKeyLine(admin.entry), apiKeyLine(reader.entry)]);
  await cli(['set', 'app/config/db', 'postgres://db.internal/app']);
  await cli(['set', 'other/secret', 'not for app readers']);
  shots = process.env.KVSTORE_SCREENSHOTS === '1' ? 'docs/console' : await mkdtemp(join(tmpdir(), 'shots-'));
  await mkdir(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${base}/ui/`);
}, 30_000);

afterAll(async () => {
  if (!available) return;
  await browser?.close();
  await server?.stop();
});

async function signIn(credential: string): Promise<void> {
  await page.getByTestId('login').waitFor();
  await page.getByTestId('credential').fill(credential);
  await page.getByTestId('sign-in').click();
}

const loginMessage = () => page.getByTestId('login-message').textContent();

describe.runIf(available)('the web console with authentication on', () => {
  it('asks for an API key or JWT, and shows the server refusing a wrong one', async () => {
    await page.getByTestId('login').waitFor();
    expect(await page.locator('#app').isHidden()).toBe(true);
    await signIn('kvs_not-a-key-this-server-knows');
    await expect.poll(loginMessage).toBe('UNAUTHENTICATED: the API key was refused (unknown or revoked)');
    await page.screenshot({ path: join(shots, 'login.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(
      Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')),
    ).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(await page.evaluate('sessionStorage.getItem("kvstore.credential")')).toBeNull();
  });

  it('signs the admin key in: every key, a live event from another client, then signs out', async () => {
    await signIn(admin.key);
    // In the tree (its folders closed).
    await page.locator('#tree .leaf[data-key="other/secret"]').waitFor({ state: 'attached' });
    await page.locator('#tree .leaf[data-key="app/config/db"]').waitFor({ state: 'attached' });
    await page.getByTestId('status').filter({ hasText: 'keys' }).waitFor();
    expect(await page.getByTestId('backup').isVisible()).toBe(true);
    // The header says who the server takes this tab for (GET /v1/whoami).
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('root (api-key) · admin');
    // The live pane's stream (fetch, with the header) follows every key.
    await page.getByTestId('status').and(page.locator('.live')).waitFor();
    await cli(['set', 'other/from-cli', 'written elsewhere']);
    await page.locator('#events li[data-key="other/from-cli"]').waitFor({ timeout: 2_000 });
    // Kept for this tab only, never in localStorage.
    expect(await page.evaluate('sessionStorage.getItem("kvstore.credential")')).toBe(admin.key);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    await expect.poll(loginMessage).toBe('signed out');
    expect(await page.evaluate('sessionStorage.getItem("kvstore.credential")')).toBeNull();
  });

  it('shows an app reader the 403 on the root, then app/ once entered; its edit is PERMISSION_DENIED', async () => {
    await signIn(reader.key);
    await expect
      .poll(() => page.getByTestId('tree-note').textContent())
      .toContain('PERMISSION_DENIED: principal "reader" may not read prefix ""');
    await expect
      .poll(() => page.getByTestId('live-note').textContent())
      .toContain('PERMISSION_DENIED: principal "reader" may not read prefix ""');
    // Admin-only parts say so instead of breaking.
    await page.getByTestId('backup-note').waitFor();
    expect(await page.getByTestId('backup').isHidden()).toBe(true);
    await expect.poll(() => page.getByTestId('chart-log').textContent()).toBe('needs admin');
    await page.getByTestId('status').filter({ hasText: 'need admin' }).waitFor();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('reader (api-key) · app-reader');
    expect(await page.getByTestId('whoami').getAttribute('title')).toBe(
      'read: app/**; write: nothing; admin: no',
    );
    await page.screenshot({ path: join(shots, 'app-reader-root.png') });

    await page.getByTestId('query').fill('app/');
    await page.getByTestId('search').locator('button').click();
    await page.locator('#tree .leaf[data-key="app/config/db"]').waitFor();
    expect(await page.locator('#tree .leaf[data-key="other/secret"]').count()).toBe(0);
    // The live pane now follows app/.
    await expect.poll(() => page.getByTestId('live-note').textContent()).toBe('following app/');
    await cli(['set', 'app/feature/flag', 'on']);
    await page.locator('#events li[data-key="app/feature/flag"]').waitFor({ timeout: 3_000 });

    await page.locator('#tree .leaf[data-key="app/config/db"]').click();
    await expect.poll(() => page.getByTestId('value').inputValue()).toBe('postgres://db.internal/app');
    await page.getByTestId('value').fill('postgres://elsewhere/app');
    await page.getByTestId('save').click();
    await expect
      .poll(() => page.getByTestId('message').textContent())
      .toBe('PERMISSION_DENIED: principal "reader" may not write key "app/config/db"');
    await page.screenshot({ path: join(shots, 'app-reader.png') });
    // The refusals and notes wrap on a phone: nothing overflows sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(
      Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')),
    ).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 860 });

    // A reload keeps the session (this tab) and starts at the last prefix.
    await page.reload();
    await page.locator('#tree .leaf[data-key="app/config/db"]').waitFor();
    expect(await page.getByTestId('query').inputValue()).toBe('app/');
  });

  it('goes back to the login with the server message when the key is revoked (no restart)', async () => {
    const aside = join(dir, 'keys.yaml.new');
    await writeFile(aside, `${apiKeyLine(admin.entry)}\n`);
    await rename(aside, join(dir, 'keys.yaml'));
    await page.getByTestId('login').waitFor({ timeout: 10_000 });
    await expect.poll(loginMessage).toBe('UNAUTHENTICATED: the API key was refused (unknown or revoked)');
  });

  it('signs a JWT in, and goes back to the login when it expires', async () => {
    const exp = Math.floor(Date.now() / 1000) + 6;
    const jwt = await new SignJWT({
      sub: 'alice',
      iss: 'https://id.test',
      aud: 'kvstore',
      exp,
      roles: ['admin'],
    })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secret);
    await signIn(jwt);
    // The tab's last prefix (app/, from the reader's session) is where it starts.
    await page.locator('#tree .leaf[data-key="app/config/db"]').waitFor();
    await page.getByTestId('status').filter({ hasText: 'keys' }).waitFor();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('alice (jwt) · admin');
    await page.getByTestId('login').waitFor({ timeout: 15_000 });
    await expect.poll(loginMessage).toMatch(/^UNAUTHENTICATED: the JWT expired at /);
  });
});
