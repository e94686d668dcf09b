/**
 * @module The console's sessions: the admin token, given once at login, exchanged for a
 * session id (the cookie) and a CSRF token (sent back in a header with every change). Kept in
 * this process's memory only: a restart logs every console out, and each meterd instance on a
 * shared PostgreSQL database keeps its own (docs/behaviour.md, "The console").
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The session cookie's name. */
export const SESSION_COOKIE = 'meterd_session';
/** The header that carries the CSRF token of a change. */
export const CSRF_HEADER = 'x-csrf-token';
/** A session unused this long ends. */
export const IDLE_SECONDS = 60 * 60;
/** A session ends this long after its login, used or not. */
export const LIFETIME_SECONDS = 12 * 60 * 60;
/** At most this many sessions at once: a new login ends the least recently used. */
export const MAX_SESSIONS = 1000;

export interface ConsoleSession {
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

const digest = (id: string) => createHash('sha256').update(id).digest('base64url');

/** Whether two secrets are equal, in a time that does not tell how much of them is. */
export function sameSecret(given: string | undefined, wanted: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The live sessions, by the SHA-256 of their id (a copy of the map would not give ids away).
 * @example const { id, session } = sessions.create(); sessions.get(id)?.csrfToken
 */
export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>();
  constructor(private readonly now: () => number = Date.now) {}

  /** Starts a session; returns its id (for the cookie) and the session. */
  create(): { id: string; session: ConsoleSession } {
    const at = this.now();
    this.#sweep(at);
    while (this.#sessions.size >= MAX_SESSIONS)
      this.#sessions.delete(this.#sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const session = {
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: at,
      lastSeenAt: at,
    };
    this.#sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session of `id`, marked as used now; undefined for an unknown or ended one. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const key = digest(id);
    const session = this.#sessions.get(key);
    if (!session) return undefined;
    const at = this.now();
    if (!live(session, at)) {
      this.#sessions.delete(key);
      return undefined;
    }
    session.lastSeenAt = at;
    // Least recently used first: the one a full map ends.
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    return session;
  }

  /** Ends the session of `id` (logout). */
  end(id: string | undefined): void {
    if (id) this.#sessions.delete(digest(id));
  }

  get size(): number {
    return this.#sessions.size;
  }

  #sweep(at: number) {
    for (const [key, session] of this.#sessions) if (!live(session, at)) this.#sessions.delete(key);
  }
}

const live = (s: ConsoleSession, at: number) =>
  at - s.lastSeenAt < IDLE_SECONDS * 1000 && at - s.createdAt < LIFETIME_SECONDS * 1000;

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The Set-Cookie header of a session (or, with no id, of its removal): HttpOnly,
 * SameSite=Strict, Path=/ (the console and the admin API both read it), Secure over HTTPS.
 */
export function sessionCookie(id: string | undefined, secure: boolean): string {
  const parts = [
    `${SESSION_COOKIE}=${id ?? ''}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    id ? `Max-Age=${LIFETIME_SECONDS}` : 'Max-Age=0',
  ];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
