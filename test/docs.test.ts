import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/config/settings.js';

describe('documentation', () => {
  it('documents every setting with its flag and environment variable', async () => {
    const doc = await readFile('docs/configuration.md', 'utf8');
    for (const s of SETTINGS) {
      const row = new RegExp(`\\|\\s*\`${s.key}\`\\s*\\|\\s*\`${s.flag}\`\\s*\\|\\s*\`${s.env}\`\\s*\\|`);
      expect(doc, s.key).toMatch(row);
    }
  });

  it('shows the two newcomer commands on the first screen of the README', async () => {
    const firstScreen = (await readFile('README.md', 'utf8')).split('\n').slice(0, 20).join('\n');
    expect(firstScreen).toContain('npm ci && npm start');
    expect(firstScreen).toContain('npm test');
  });
});
