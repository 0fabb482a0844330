import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { kvstore } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('configuration', () => {
  it('layers defaults < file < environment < flags, and remembers where each value came from', async () => {
    const dir = await tempDir();
    const file = join(dir, 'kvstore.yaml');
    await writeFile(
      file,
      'grpc:\n  listen: 0.0.0.0:7000\ndata:\n  dir: /from/file\n  durability: relaxed\nlimits:\n  maxValueBytes: 2MiB\n',
    );
    const loaded = loadConfig({
      file,
      env: { KVSTORE_DATA_DIR: '/from/env', KVSTORE_LOG_LEVEL: 'debug' },
      flags: new Map([['log.level', 'warn']]),
    });
    expect(loaded.config.grpc.listen).toBe('0.0.0.0:7000');
    expect(loaded.config.data).toEqual({
      dir: '/from/env',
      durability: 'relaxed',
      acceptLogTruncation: false,
    });
    expect(loaded.config.limits.maxValueBytes).toBe(2 * 1024 * 1024);
    expect(loaded.config.log.level).toBe('warn');
    expect(loaded.config.checkpoint.everyRevisions).toBe(100_000);
    expect(loaded.sources.get('grpc.listen')).toBe(`file ${file}`);
    expect(loaded.sources.get('data.dir')).toBe('env KVSTORE_DATA_DIR');
    expect(loaded.sources.get('log.level')).toBe('flag --log-level');
    expect(loaded.sources.get('http.listen')).toBe('default');
  });

  it('reads JSON files too, and names unknown settings', async () => {
    const dir = await tempDir();
    const file = join(dir, 'kvstore.json');
    await writeFile(file, JSON.stringify({ shutdown: { timeout: '3s' } }));
    expect(loadConfig({ file }).config.shutdown.timeoutMs).toBe(3000);
    await writeFile(file, JSON.stringify({ grpc: { lisen: 'x' } }));
    expect(() => loadConfig({ file })).toThrow(
      /unknown setting "grpc.lisen" \(did you mean "grpc.listen"\?\)/,
    );
  });

  it('refuses a wrong value, naming the setting, the source and what is allowed', () => {
    expect(() => loadConfig({ env: { KVSTORE_DATA_DURABILITY: 'sometimes' } })).toThrow(
      'data.durability: "sometimes" (from environment KVSTORE_DATA_DURABILITY) is not allowed; expected fsync or relaxed',
    );
    expect(() => loadConfig({ flags: new Map([['grpc.listen', 'localhost']]) })).toThrow(ConfigError);
    expect(() => loadConfig({ flags: new Map([['limits.maxValueBytes', '1TiB']]) })).toThrow(
      /limits.maxValueBytes: "1TiB"/,
    );
  });

  it('exits 2 from `serve` with the message on one line', async () => {
    const result = await kvstore(['serve', '--grpc-listen', 'nowhere']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'kvstore: grpc.listen: "nowhere" (from --grpc-listen) is not allowed; expected HOST:PORT (port 0 picks a free one)\n',
    );
  });

  it('prints the configuration with sources (serve --print-config)', async () => {
    const result = await kvstore(['serve', '--print-config', '--data-dir', '/srv/kv'], {
      env: { KVSTORE_LOG_LEVEL: 'warn' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^grpc\.listen\s+127\.0\.0\.1:50051\s+\(default\)$/m);
    expect(result.stdout).toMatch(/^data\.dir\s+\/srv\/kv\s+\(flag --data-dir\)$/m);
    expect(result.stdout).toMatch(/^log\.level\s+warn\s+\(env KVSTORE_LOG_LEVEL\)$/m);
    expect(result.stdout).toMatch(/^limits\.maxTtl\s+365d\s+\(default\)$/m);
  });
});
