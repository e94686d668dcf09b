// The console's calls to the admin API: the session cookie goes with each one (same origin),
// and a change carries the session's CSRF token in X-CSRF-Token.

let csrfToken = '';
let onLoggedOut = () => {};

/** An admin API error: its HTTP status, code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setSession(token, loggedOut) {
  csrfToken = token;
  if (loggedOut) onLoggedOut = loggedOut;
}

/** Calls `path` (under /admin/v1 unless it starts with /console); answers its JSON (or text). */
export async function api(method, path, body) {
  const url = path.startsWith('/console') ? path : `/admin/v1${path}`;
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const type = response.headers.get('content-type') ?? '';
  const answer = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const error = answer?.error ?? { code: 'HttpError', message: `HTTP ${response.status}` };
    if (response.status === 401 && !path.startsWith('/console/session')) onLoggedOut();
    throw new ApiError(response.status, error.code, error.message);
  }
  return answer;
}

/** A query string of the set values of `params`. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}
