import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApi, type HttpApiOptions } from '../../src/api/http/json-api.js';
import { DEFAULT_LIMITS } from '../../src/store/limits.js';
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

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<(typeof METHODS)[number], { operationId?: string }>>>;
}

/** The routes the router really has: built as the server builds them (the operations are not called). */
function routerRoutes(): { method: string; path: string; operation: string }[] {
  const unused = {} as never;
  const options: HttpApiOptions = {
    kv: unused,
    admin: unused,
    sseHub: unused,
    limits: DEFAULT_LIMITS,
    revision: () => 0,
    maxBodyBytes: 1024,
    heartbeatMs: 15_000,
    logger: pino({ level: 'silent' }),
    slowRequestMs: 1_000,
  };
  return createHttpApi(options).routes.map((r) => ({
    method: r.method,
    path: r.path,
    operation: r.operation,
  }));
}

let server: ServerProcess;
let base: string;
let doc: OpenApiDocument;

beforeAll(async () => {
  server = await startServerProcess(await suiteDir('kvstore-openapi-'));
  base = `http://127.0.0.1:${server.httpPort}`;
  const res = await fetch(`${base}/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
});

afterAll(async () => {
  await server.stop();
});

function documented(): { method: string; path: string; operation: string | undefined }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => ({
      method: m.toUpperCase(),
      path,
      operation: item[m]!.operationId,
    })),
  );
}

describe('/v1/openapi.json', () => {
  it('is an OpenAPI 3 document that lists exactly the routes the router has, with their operation ids', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const sort = (list: { method: string; path: string; operation: string | undefined }[]) =>
      list.map((r) => `${r.method} ${r.path} ${r.operation}`).sort();
    // A route missing from the document, or a documented one the router lacks, shows up in this diff.
    expect(sort(documented())).toEqual(sort(routerRoutes()));
  });

  it('documents only routes the running server answers (no "no route" 404, no 405)', async () => {
    for (const { method, path } of documented()) {
      const url = `${base}${path.replace('{key}', 'openapi/probe')}`;
      const controller = new AbortController();
      const res = await fetch(url, {
        method,
        signal: controller.signal,
        ...(method === 'POST'
          ? { headers: { 'content-type': 'application/json' }, body: '{"keys":[]}' }
          : {}),
        ...(method === 'PUT' ? { body: 'probe' } : {}),
      });
      const text = res.headers.get('content-type')?.startsWith('application/json') ? await res.text() : '';
      controller.abort(); // streams (watch, backup) are not read to the end
      expect(res.status, `${method} ${path}`).not.toBe(405);
      expect(text, `${method} ${path}`).not.toMatch(/"message":"no route/);
    }
  });
});
