import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConsoleSessions,
  IDLE_SECONDS,
  LIFETIME_SECONDS,
  MAX_SESSIONS,
  cookieValue,
  sessionCookie,
} from './console-sessions.js';

describe('console sessions', () => {
  it('ends a session after an idle hour, after twelve hours in all, and at logout', () => {
    let now = 0;
    const sessions = new ConsoleSessions(() => now);
    const { id, session } = sessions.create();
    assert.equal(sessions.get(id), session);
    assert.equal(sessions.get('another id'), undefined);
    assert.equal(sessions.get(undefined), undefined);
    // Used every 59 minutes, it lives until its twelfth hour.
    for (now = 59 * 60_000; now < LIFETIME_SECONDS * 1000; now += 59 * 60_000)
      assert.equal(sessions.get(id), session, `at ${now / 60_000} minutes`);
    assert.equal(sessions.get(id), undefined);

    now = 0;
    const idle = sessions.create();
    now = IDLE_SECONDS * 1000 - 1;
    assert.ok(sessions.get(idle.id));
    now += IDLE_SECONDS * 1000;
    assert.equal(sessions.get(idle.id), undefined);

    const out = sessions.create();
    sessions.end(out.id);
    assert.equal(sessions.get(out.id), undefined);
  });

  it('keeps at most MAX_SESSIONS, ending the least recently used', () => {
    const sessions = new ConsoleSessions(() => 0);
    const first = sessions.create();
    const second = sessions.create();
    for (let i = 2; i < MAX_SESSIONS; i++) sessions.create();
    assert.ok(sessions.get(first.id)); // now the most recently used
    sessions.create();
    assert.equal(sessions.size, MAX_SESSIONS);
    assert.ok(sessions.get(first.id));
    assert.equal(sessions.get(second.id), undefined);
  });

  it('gives each session its own id and CSRF token', () => {
    const sessions = new ConsoleSessions();
    const a = sessions.create();
    const b = sessions.create();
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.session.csrfToken, b.session.csrfToken);
    assert.match(a.id, /^[\w-]{43}$/);
  });

  it('reads the cookie among others, and writes it HttpOnly, SameSite=Strict, Secure over HTTPS', () => {
    assert.equal(cookieValue('a=1; meterd_session=xyz; b=2', 'meterd_session'), 'xyz');
    assert.equal(cookieValue('meterd_sessionx=1', 'meterd_session'), undefined);
    assert.equal(cookieValue(undefined, 'meterd_session'), undefined);
    assert.equal(
      sessionCookie('xyz', false),
      `meterd_session=xyz; Path=/; HttpOnly; SameSite=Strict; Max-Age=${LIFETIME_SECONDS}`,
    );
    assert.match(sessionCookie('xyz', true), /; Secure$/);
    assert.match(sessionCookie(undefined, true), /^meterd_session=; .*Max-Age=0; Secure$/);
  });
});
