import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const run = promisify(execFile);

/** A curl command of docs/http.md and what its comment says it gets: an HTTP status, or a stream. */
interface Example {
  readonly command: string;
  readonly expect: number | 'stream';
}

/** Every `curl` line of the sh blocks of docs/http.md, in order, with the status after its `#`. */
async function examples(): Promise<Example[]> {
  const doc = await readFile('docs/http.md', 'utf8');
  const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.split('\n'))
    .filter((line) => line.startsWith('curl '))
    .map((line) => {
      const m = /^(.*?)\s+#\s*(\d{3}|stream)\s*$/.exec(line);
      if (!m) throw new Error(`docs/http.md: a curl example without its expected status: ${line}`);
      return { command: m[1]!, expect: m[2] === 'stream' ? 'stream' : Number(m[2]) };
    });
}

let server: ServerProcess;
let cwd: string;

beforeAll(async () => {
  server = await startServerProcess(await suiteDir('kvstore-http-docs-'));
  cwd = await suiteDir('kvstore-http-docs-cwd-');
});

afterAll(async () => {
  await server.stop();
});

describe('docs/http.md', () => {
  it('has a curl example for every route of the API (method and path)', async () => {
    const list = await examples();
    const doc = (await (await fetch(`http://127.0.0.1:${server.httpPort}/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'put', 'post', 'delete'].filter((m) => m in item)) {
        const pattern = new RegExp(
          `\\$KV${path.replace('{key}', '[^?" ]+').replace(/\./g, '\\.')}(?:[?"]|$)`,
        );
        const found = list.some(
          (e) =>
            pattern.test(e.command) &&
            (method === 'get'
              ? !/-X (PUT|POST|DELETE)/.test(e.command)
              : e.command.includes(`-X ${method.toUpperCase()}`)),
        );
        expect(found, `${method.toUpperCase()} ${path}`).toBe(true);
      }
    }
  });

  it('every curl example gets the status its comment says, run in order against a fresh server', async () => {
    const list = await examples();
    expect(list.length).toBeGreaterThan(20);
    const env = { ...process.env, KV: `http://127.0.0.1:${server.httpPort}` };
    for (const { command, expect: wanted } of list) {
      if (wanted === 'stream') {
        // curl ends the stream at --max-time (exit 28) after printing what arrived.
        const out = await run('sh', ['-c', command], { env, cwd }).catch(
          (err: { code: number; stdout: string }) => err,
        );
        expect(out.stdout, command).toMatch(/^id: \d+$/m);
        continue;
      }
      // -w prints the status after the body; -o keeps the body out of the way (except an explicit -o).
      const sink = command.includes(' -o ') ? '' : ' -o /dev/null';
      const { stdout } = await run('sh', ['-c', `${command} -s${sink} -w '\\n%{http_code}'`], { env, cwd });
      expect(Number(stdout.trim().split('\n').at(-1)), command).toBe(wanted);
    }
  });
});
