import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLIENT_VERSION, USER_AGENT } from './version.js';

test('CLIENT_VERSION is the package version', () => {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  };
  assert.equal(CLIENT_VERSION, manifest.version);
  assert.match(USER_AGENT, new RegExp(`^meterd-client/${CLIENT_VERSION} node/v\\d+`));
});
