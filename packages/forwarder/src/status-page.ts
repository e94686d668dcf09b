/**
 * @module The forwarder's status page at /status: the built page and its two hashed files
 * (packages/console builds them into this package's dist/status/). The page reads the `/v1/`
 * API with the forwarder token, which it keeps in memory only; every answer here carries a
 * Content-Security-Policy that lets it load nothing from outside the forwarder.
 */

import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

/** Where the build puts the page: beside the compiled code, or, run from the sources, in dist/. */
const PLACES = ['./status/', '../dist/status/'].map((p) =>
  fileURLToPath(new URL(p, import.meta.url)),
);

/** Nothing from outside the forwarder: scripts, styles and data from this origin only. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

const files = new Map<string, Buffer | null>();
async function built(name: string): Promise<Buffer | null> {
  if (!files.has(name)) {
    let found: Buffer | null = null;
    for (const place of PLACES) {
      found = await readFile(place + name).catch(() => null);
      if (found) break;
    }
    files.set(name, found);
  }
  return files.get(name)!;
}

/**
 * Answers a GET under /status; false when `path` is not the page's.
 * @example if (await serveStatusPage(path, res)) return;
 */
export async function serveStatusPage(path: string, res: ServerResponse): Promise<boolean> {
  if (path !== '/status' && !path.startsWith('/status/')) return false;
  const headers = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
  if (path === '/status') {
    res.writeHead(302, { ...headers, location: '/status/' }).end();
    return true;
  }
  const asset = /^\/status\/assets\/(main-[A-Z0-9]+\.(js|css))$/.exec(path);
  const name = path === '/status/' ? 'index.html' : asset ? `assets/${asset[1]}` : undefined;
  const content = name ? await built(name) : null;
  if (!name || !content) {
    const body = JSON.stringify({
      error: {
        code: name ? 'StatusPageNotBuilt' : 'NotFound',
        message: name
          ? 'The status page is not built: run `npm run build`.'
          : `no route GET ${path}`,
      },
    });
    res.writeHead(name ? 503 : 404, { ...headers, 'content-type': 'application/json' }).end(body);
    return true;
  }
  res
    .writeHead(200, {
      ...headers,
      'content-type': TYPES[name.split('.').pop()!]!,
      'cache-control': asset ? 'public, max-age=31536000, immutable' : 'no-cache',
    })
    .end(content);
  return true;
}
