/**
 * @module A small client of the admin API, used by the CLI subcommands. Whatever goes wrong
 * on the way (no meterd listening, a refused token, something else at that URL) becomes an
 * error that names the problem and the fix.
 */

import { unreachable } from '../catalog/subscribe.js';

export interface AdminConnection {
  url: string;
  adminToken: string;
}

/** An error answered by the admin API: its HTTP status and `{"error": {code, message}}`. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export { unreachable };

/** A failure that is not the admin API's answer: told to the user as it stands. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Sends one admin API request; an answer that is not a success becomes the error it names. */
async function send(
  conn: AdminConnection,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ response: Response; base: URL }> {
  let base: URL;
  try {
    base = new URL(conn.url);
  } catch {
    throw new CliError(`--url ${conn.url} is not a URL (e.g. http://127.0.0.1:9400)`);
  }
  let response: Response;
  try {
    response = await fetch(new URL(`/admin/v1${path}`, base), {
      method,
      headers: {
        authorization: `Bearer ${conn.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new CliError(
      `cannot reach meterd at ${base.origin} (${unreachable(error)}): is \`meterd serve\` running? set --url / METERD_URL`,
    );
  }
  if (response.ok) return { response, base };
  const text = await response.text();
  let error: { code?: string; message?: string } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {
    error = undefined;
  }
  if (response.status === 401)
    throw new AdminApiError(
      401,
      error?.code ?? 'Unauthorized',
      `meterd at ${base.origin} refused the admin token: set --admin-token / METERD_ADMIN_TOKEN to the token meterd printed at start`,
    );
  if (!error)
    throw new CliError(
      `${base.origin} answered ${method} ${path} with HTTP ${response.status}: is --url / METERD_URL a meterd?`,
    );
  throw new AdminApiError(
    response.status,
    error.code ?? 'Error',
    error.message ?? `HTTP ${response.status}`,
  );
}

/**
 * Calls the admin API and returns its JSON answer.
 * @example await adminRequest(conn, 'GET', '/products')
 */
export async function adminRequest<T = unknown>(
  conn: AdminConnection,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const { response, base } = await send(conn, method, path, body);
  const text = await response.text();
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    throw new CliError(
      `${base.origin} answered ${method} ${path} with HTTP ${response.status} and no JSON: is --url / METERD_URL a meterd?`,
    );
  }
}

/**
 * GETs an answer that streams (a report), once the admin API has accepted the request.
 * @example for await (const chunk of (await adminStream(conn, '/reports/usage?...')).body!) …
 */
export async function adminStream(conn: AdminConnection, path: string): Promise<Response> {
  return (await send(conn, 'GET', path)).response;
}
