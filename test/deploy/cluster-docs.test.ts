import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/settings.js';
import { PENDING_SETTINGS } from './contract-settings.js';
import { exportedMetricNames } from './exported-metrics.js';

// docs/cluster.md tells operators what to type and what to watch: it must name only what exists.
const text = readFileSync('docs/cluster.md', 'utf8');

describe('docs/cluster.md', () => {
  it('names only metrics /metrics exports', async () => {
    const exported = await exportedMetricNames();
    const named = [...text.matchAll(/\b(kvstore_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(exported, name).toContain(name);
  });

  it('starts servers with flags that are settings (of the code, or of the issue 11 contract)', () => {
    const flags = new Set([...SETTINGS, ...PENDING_SETTINGS].map((s) => s.flag));
    const serveLines = text.split('\n').filter((l) => /\bkvstore serve\b/.test(l));
    expect(serveLines.length).toBeGreaterThanOrEqual(3);
    for (const line of serveLines)
      for (const [flag] of line.matchAll(/--[a-z][a-z-]+/g))
        expect(flags, `${flag} in: ${line}`).toContain(flag);
  });

  it('names deploy files that exist', () => {
    const paths = [...text.matchAll(/`((?:deploy\/|docker-compose)[^`\s]*)`/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths) expect(existsSync(path), path).toBe(true);
  });
});
