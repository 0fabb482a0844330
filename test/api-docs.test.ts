import { execFile } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/temp-dir.js';

// docs/api.md is generated from the comments of proto/kvstore/v1/kvstore.proto by scripts/gen-api-docs.mjs
// (npm run docs:api); --check regenerates it in memory and compares it with the file.
const run = promisify(execFile);
const PROTO = 'kvstore/v1/kvstore.proto';

async function check(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run(process.execPath, ['scripts/gen-api-docs.mjs', '--check', ...args]);
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

/** A copy of proto/ and docs/api.md to change. */
async function copy(): Promise<{ protoRoot: string; out: string; proto: string }> {
  const dir = await tempDir();
  await cp('proto', join(dir, 'proto'), { recursive: true });
  await cp('docs/api.md', join(dir, 'api.md'));
  return { protoRoot: join(dir, 'proto'), out: join(dir, 'api.md'), proto: join(dir, 'proto', PROTO) };
}

describe('docs/api.md', () => {
  it('is what the proto gives, and the proto documents every RPC, message, field and enum value', async () => {
    const r = await check();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = await readFile('docs/api.md', 'utf8');
    for (const heading of ['### KV.Set', '### Admin.Status', '### StatusResponse', '### Event.EventType'])
      expect(doc).toContain(heading);
  });

  it('fails on a proto change that was not regenerated, saying which command to run', async () => {
    const { protoRoot, out, proto } = await copy();
    const text = await readFile(proto, 'utf8');
    await writeFile(proto, text.replace('// Reads one key.\n', '// Reads exactly one key.\n'));
    const stale = await check('--proto-root', protoRoot, '--out', out);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`${out} is not up to date with proto/${PROTO}: run \`npm run docs:api\``);

    await run(process.execPath, ['scripts/gen-api-docs.mjs', '--proto-root', protoRoot, '--out', out]);
    expect(await check('--proto-root', protoRoot, '--out', out)).toEqual({ code: 0, stderr: '' });
    expect(await readFile(out, 'utf8')).toContain('Reads exactly one key.');
  });

  it('fails on an undocumented field, RPC or enum value, naming it', async () => {
    const { protoRoot, out, proto } = await copy();
    const text = await readFile(proto, 'utf8');
    await writeFile(
      proto,
      text
        .replace('  bool serializable = 2;\n}', '  bool serializable = 2;\n  string hint = 99;\n}')
        .replace('    EXPIRE = 2;\n', '    EXPIRE = 2;\n    MOVED = 3;\n')
        .replace(
          '  rpc HashKV(HashKVRequest) returns (HashKVResponse);\n',
          '  rpc HashKV(HashKVRequest) returns (HashKVResponse);\n  rpc Ping(StatusRequest) returns (StatusResponse);\n',
        ),
    );
    const r = await check('--proto-root', protoRoot, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`proto/${PROTO}: field GetRequest.hint has no comment`);
    expect(r.stderr).toContain('enum value Event.EventType.MOVED has no comment');
    expect(r.stderr).toContain('rpc Admin.Ping has no comment');
  });
});
