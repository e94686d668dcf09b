/**
 * @module The seller console at /console: its built pages (packages/console, built into
 * dist/console/), the login that exchanges the admin token for a session cookie, and the logout.
 * Every console response carries a Content-Security-Policy that lets the page load nothing from
 * outside meterd. The pages call the admin API with the cookie and the CSRF token
 * (admin-auth.ts); the hook here resolves the cookie to a session for every admin request.
 */

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAdmin } from './admin-auth.js';
import {
  ConsoleSessions,
  SESSION_COOKIE,
  cookieValue,
  sameSecret,
  sessionCookie,
} from './console-sessions.js';
import { AdminError } from './errors.js';

/** Where the build puts the console (packages/console/build.mjs). */
const BUILT = fileURLToPath(new URL('../console/', import.meta.url));

/** Nothing from outside meterd: scripts, styles, data and images from this origin only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

export interface ConsoleOptions {
  adminToken: string;
  /** The session store (default: a new one in this process's memory). */
  sessions?: ConsoleSessions;
}

const securityHeaders = (reply: FastifyReply) =>
  reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin');

/** Over HTTPS, directly or behind a proxy that terminates it. */
const isHttps = (request: FastifyRequest) =>
  request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';

/**
 * Serves the console and resolves session cookies. Call it on the root instance, before the
 * admin routes are registered, so that its hook runs for them.
 * @example await consoleRoutes(app, { adminToken })
 */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions) {
  const sessions = options.sessions ?? new ConsoleSessions();
  const files = new Map<string, Buffer | null>();
  /** A built file, read once; null when the console was not built. */
  const built = async (name: string) => {
    if (!files.has(name)) files.set(name, await readFile(BUILT + name).catch(() => null));
    return files.get(name)!;
  };

  app.addHook('onRequest', async (request) => {
    if (!/^\/(?:admin|_localstack|console)(?:[/?#]|$)/.test(request.url)) return;
    const session = sessions.get(cookieValue(request.headers.cookie, SESSION_COOKIE));
    if (session) request.meterdSession = session;
  });

  const page = async (_request: FastifyRequest, reply: FastifyReply) => {
    const html = await built('index.html');
    securityHeaders(reply);
    if (!html)
      throw new AdminError(
        503,
        'ConsoleNotBuilt',
        'The console is not built: run `npm run build` in the meterd checkout.',
      );
    return reply.header('content-type', TYPES.html).header('cache-control', 'no-cache').send(html);
  };
  app.get('/console', async (_request, reply) => reply.redirect('/console/'));
  app.get('/console/', page);
  app.get<{ Params: { file: string } }>('/console/assets/:file', async (request, reply) => {
    const { file } = request.params;
    const type = TYPES[/\.([a-z]+)$/.exec(file)?.[1] ?? ''];
    const content = /^[\w.-]+$/.test(file) && type ? await built(`assets/${file}`) : null;
    securityHeaders(reply);
    if (!content) throw new AdminError(404, 'NotFound', `No console file ${file}.`);
    // Built file names carry a hash of their content: a new build has new names.
    return reply
      .header('content-type', type)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(content);
  });

  // The session: log in with the admin token, read the CSRF token back, log out.
  app.post('/console/session', async (request, reply) => {
    securityHeaders(reply);
    const given = (request.body as { token?: unknown } | undefined)?.token;
    if (typeof given !== 'string' || !sameSecret(given, options.adminToken))
      throw new AdminError(401, 'Unauthorized', 'That is not the admin token.');
    const { id, session } = sessions.create();
    return reply
      .code(201)
      .header('set-cookie', sessionCookie(id, isHttps(request)))
      .header('cache-control', 'no-store')
      .send({ csrfToken: session.csrfToken });
  });
  app.get('/console/session', async (request, reply) => {
    securityHeaders(reply).header('cache-control', 'no-store');
    if (!request.meterdSession)
      throw new AdminError(401, 'Unauthorized', 'Not logged in to the console.');
    return { csrfToken: request.meterdSession.csrfToken };
  });
  app.delete('/console/session', async (request, reply) => {
    securityHeaders(reply);
    requireAdmin(request, options.adminToken);
    sessions.end(cookieValue(request.headers.cookie, SESSION_COOKIE));
    return reply
      .code(204)
      .header('set-cookie', sessionCookie(undefined, isHttps(request)))
      .send();
  });
}
