/**
 * @module A small client of the admin API, used by the CLI subcommands.
 */

export interface AdminConnection {
  url: string;
  adminToken: string;
}

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
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
  const response = await fetch(new URL(`/admin/v1${path}`, conn.url), {
    method,
    headers: {
      authorization: `Bearer ${conn.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new AdminApiError(
      response.status,
      error?.code ?? 'Error',
      error?.message ?? `HTTP ${response.status}`,
    );
  }
  return json as T;
}
