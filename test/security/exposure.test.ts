import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { apiKeyLine, createApiKey } from '../../src/security/api-keys.js';
import { exposureProblem } from '../../src/server/exposure.js';
import { startServerProcess } from '../helpers/server-process.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Issue 13, item 8 (Redis's protected mode): a listener serving keys on a non-loopback address with no
 * authentication is refused at start unless --insecure; loopback (the default) starts as before.
 */
const config = (flags: Record<string, string>) =>
  loadConfig({ env: {}, flags: new Map(Object.entries(flags)) }).config;

describe('which listeners count as exposed', () => {
  it('loopback in every spelling is not; any other address is, per listener', () => {
    expect(exposureProblem(config({}), false)).toBeNull();
    for (const listen of ['127.0.0.1:1', '127.8.9.10:1', 'localhost:1', '[::1]:1'])
      expect(exposureProblem(config({ 'grpc.listen': listen }), false), listen).toBeNull();
    for (const listen of ['0.0.0.0:1', '[::]:1', '10.1.2.3:1', 'kv.internal:1'])
      expect(exposureProblem(config({ 'grpc.listen': listen }), false), listen).toMatch(
        new RegExp(`^grpc.listen ${listen.replace(/[[\]]/g, '\\$&')}: reachable from other machines`),
      );
    expect(exposureProblem(config({ 'etcd.listen': '0.0.0.0:2379' }), false)).toMatch(/^etcd.listen/);
    expect(exposureProblem(config({ 'http.listen': '0.0.0.0:8080' }), false)).toMatch(
      /^http.listen 0.0.0.0:8080 \(with the JSON API/,
    );
    expect(exposureProblem(config({ 'http.api': '0.0.0.0:8081' }), false)).toMatch(/^http.api 0.0.0.0:8081/);
  });

  it('metrics and probes alone may be exposed; auth, mTLS or security.insecure lift the refusal', () => {
    expect(exposureProblem(config({ 'http.listen': '0.0.0.0:8080', 'http.api': 'off' }), false)).toBeNull();
    expect(
      exposureProblem(config({ 'http.listen': '0.0.0.0:8080', 'http.api': '127.0.0.1:8081' }), false),
    ).toBeNull();
    const open = { 'grpc.listen': '0.0.0.0:1', 'http.listen': '0.0.0.0:2' };
    expect(exposureProblem(config(open), true)).toBeNull();
    expect(exposureProblem(config({ ...open, 'security.insecure': 'true' }), false)).toBeNull();
    expect(
      exposureProblem(
        config({
          'grpc.listen': '0.0.0.0:1',
          'grpc.tlsCert': 'c',
          'grpc.tlsKey': 'k',
          'grpc.tlsClientCa': 'ca',
        }),
        false,
      ),
    ).toBeNull();
  });
});

describe('kvstore serve on 0.0.0.0', () => {
  it('refuses to start without authentication, saying what to do', async () => {
    const dir = await tempDir();
    await expect(startServerProcess(join(dir, 'data'), ['--grpc-listen', '0.0.0.0:0'])).rejects.toThrow(
      /grpc.listen 0.0.0.0:0: reachable from other machines with no authentication.*--insecure/,
    );
  }, 30_000);

  it('starts with --insecure, or with API keys; /metrics, /healthz and /readyz stay open', async () => {
    const dir = await tempDir();
    const insecure = await startServerProcess(join(dir, 'a'), ['--grpc-listen', '0.0.0.0:0', '--insecure']);
    await insecure.stop();
    const { entry } = createApiKey('ops');
    await writeFile(join(dir, 'keys.yaml'), `${apiKeyLine(entry)}\n`);
    const keyed = await startServerProcess(join(dir, 'b'), [
      '--grpc-listen',
      '0.0.0.0:0',
      '--http-listen',
      '0.0.0.0:0',
      '--security-api-keys-file',
      join(dir, 'keys.yaml'),
    ]);
    try {
      for (const path of ['/metrics', '/healthz', '/readyz'])
        expect((await fetch(`http://127.0.0.1:${keyed.httpPort}${path}`)).status, path).toBe(200);
      expect((await fetch(`http://127.0.0.1:${keyed.httpPort}/v1/kv/x`)).status).toBe(401);
    } finally {
      await keyed.stop();
    }
  }, 60_000);
});
