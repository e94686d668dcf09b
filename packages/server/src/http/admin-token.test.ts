/**
 * @module The admin token kept in a data directory and read from a token file, on real files:
 * generated once with mode 0600, the same at every start after it, never printed again.
 */

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeAdminToken, keptAdminToken, readAdminTokenFile } from './admin-token.js';

const work = mkdtempSync(join(tmpdir(), 'meterd-token-'));
after(() => rmSync(work, { recursive: true, force: true }));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('keptAdminToken', () => {
  it('generates a token in a new data directory, mode 0600, and keeps it', () => {
    const dir = join(work, 'new', 'data');
    const first = keptAdminToken(dir);
    assert.equal(first.source.kind, 'generated');
    assert.match(first.token, /^[A-Za-z0-9_-]{32}$/);
    const path = join(dir, 'admin-token');
    assert.equal(mode(path), 0o600);
    const again = keptAdminToken(dir);
    assert.deepEqual(again, { token: first.token, source: { kind: 'kept', path } });
    assert.match(
      describeAdminToken(first)!,
      new RegExp(`generated, kept in ${path}.*${first.token}`),
    );
    assert.equal(describeAdminToken(again)!.includes(first.token), false, 'printed once only');
  });

  it('puts back mode 0600 on a kept token that lost it', () => {
    const dir = join(work, 'restored');
    mkdirSync(dir);
    writeFileSync(join(dir, 'admin-token'), 'restored-token\n', { mode: 0o644 });
    chmodSync(join(dir, 'admin-token'), 0o644);
    assert.equal(keptAdminToken(dir).token, 'restored-token');
    assert.equal(mode(join(dir, 'admin-token')), 0o600);
  });

  it('replaces an empty token file with a generated token', () => {
    const dir = join(work, 'empty');
    mkdirSync(dir);
    writeFileSync(join(dir, 'admin-token'), '\n', { mode: 0o644 });
    const token = keptAdminToken(dir);
    assert.equal(token.source.kind, 'generated');
    assert.equal(mode(join(dir, 'admin-token')), 0o600);
  });
});

describe('readAdminTokenFile', () => {
  it('reads the token without its trailing newline', () => {
    const path = join(work, 'given-token');
    writeFileSync(path, 'given-secret-token\n');
    assert.equal(readAdminTokenFile(path), 'given-secret-token');
    assert.equal(
      describeAdminToken({ token: 'given-secret-token', source: { kind: 'file', path } })!.includes(
        'given-secret-token',
      ),
      false,
    );
    assert.equal(describeAdminToken({ token: 'x', source: { kind: 'given' } }), undefined);
  });
  const cases: Array<[string, string | undefined, RegExp]> = [
    [
      'missing',
      undefined,
      /cannot read the admin token file .*missing \(--admin-token-file\): ENOENT/,
    ],
    ['blank', ' \n', /is empty/],
    ['two-words', 'one two\n', /more than one word/],
  ];
  for (const [name, content, message] of cases)
    it(`refuses a ${name} file`, () => {
      const path = join(work, name);
      if (content !== undefined) writeFileSync(path, content);
      assert.throws(() => readAdminTokenFile(path), message);
    });
});

it('refuses a kept token it cannot read, naming the file and the fix', () => {
  const dir = join(work, 'unreadable');
  mkdirSync(join(dir, 'admin-token'), { recursive: true });
  assert.throws(
    () => keptAdminToken(dir),
    /cannot read the admin token kept in .*admin-token \(EISDIR.*\): remove it .* --admin-token-file/,
  );
});
