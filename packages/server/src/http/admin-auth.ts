/**
 * @module Who may call the admin API: a caller with the admin bearer token, or the console with
 * a live session cookie; a change (any method but GET, HEAD and OPTIONS) from a session also
 * carries the session's CSRF token in `X-CSRF-Token`, else it is refused with 403.
 */

import type { FastifyRequest } from 'fastify';
import { CSRF_HEADER, sameSecret, type ConsoleSession } from './console-sessions.js';
import { AdminError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session the request's cookie names, when it names a live one. */
    meterdSession?: ConsoleSession;
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether the request carries the admin bearer token. */
export function bearer(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization ?? '';
  return sameSecret(header.startsWith('Bearer ') ? header.slice(7) : '', token);
}

/**
 * Refuses a request that is not the admin's: 401 without the token or a session, 403 for a
 * session's change without its CSRF token.
 * @example app.addHook('onRequest', async (request) => requireAdmin(request, adminToken))
 */
export function requireAdmin(request: FastifyRequest, adminToken: string): void {
  if (bearer(request, adminToken)) return;
  const session = request.meterdSession;
  if (!session)
    throw new AdminError(401, 'Unauthorized', 'A valid admin bearer token is required.');
  if (SAFE.has(request.method)) return;
  const given = request.headers[CSRF_HEADER];
  if (!sameSecret(typeof given === 'string' ? given : undefined, session.csrfToken))
    throw new AdminError(
      403,
      'CsrfTokenInvalid',
      'A change from a console session needs the session CSRF token in the X-CSRF-Token header.',
    );
}
