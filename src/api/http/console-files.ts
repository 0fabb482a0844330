import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The console's files: web/ at the package root (the same place from src/ and from dist/). */
const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));
const FILES = [
  'index.html',
  'console.js',
  'api.js',
  'auth.js',
  'sse.js',
  'status.js',
  'charts.js',
  'console.css',
] as const;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Serves the web console at /ui/ (docs/console.md): a fixed list of files read once, so no request can name
 * another file. It talks to the JSON API with relative URLs (../v1/), so it works behind a path prefix.
 */
export function consoleFiles(): (req: IncomingMessage, res: ServerResponse) => boolean {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of FILES) {
    try {
      files.set(name, { body: readFileSync(join(WEB_DIR, name)), type: TYPES[extname(name)]! });
    } catch {
      // A package without web/ serves no console (404).
    }
  }
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path !== '/ui' && !path.startsWith('/ui/')) return false;
    if (path === '/ui') {
      res.writeHead(308, { location: '/ui/' }).end();
      return true;
    }
    const file = files.get(path === '/ui/' ? 'index.html' : path.slice('/ui/'.length));
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return true;
    }
    res
      .writeHead(200, {
        'content-type': file.type,
        'content-length': file.body.length,
        'cache-control': 'no-cache',
        'content-security-policy': "default-src 'self'; img-src 'self' data:",
      })
      .end(req.method === 'HEAD' ? undefined : file.body);
    return true;
  };
}
