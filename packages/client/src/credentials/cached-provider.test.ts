import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CredentialsError } from '../errors.js';
import { cachedProvider, REFRESH_MARGIN_MS, staticProvider } from './cached-provider.js';
import type { Credentials } from './credentials.js';

describe('cachedProvider', () => {
  test('shares one lookup between concurrent calls and keeps credentials without expiry', async () => {
    let lookups = 0;
    const provider = cachedProvider(async () => {
      lookups += 1;
      return { accessKeyId: `AK${lookups}`, secretAccessKey: 's' };
    });
    const [a, b] = await Promise.all([provider(), provider()]);
    assert.equal(a?.accessKeyId, 'AK1');
    assert.equal(b?.accessKeyId, 'AK1');
    assert.equal((await provider())?.accessKeyId, 'AK1');
    assert.equal(lookups, 1);
  });

  test('looks up again within five minutes of expiry', async () => {
    let now = 1_000_000;
    let lookups = 0;
    const provider = cachedProvider(
      async (): Promise<Credentials> => {
        lookups += 1;
        return {
          accessKeyId: `AK${lookups}`,
          secretAccessKey: 's',
          expiration: new Date(now + 10 * 60_000),
        };
      },
      () => now,
    );
    assert.equal((await provider())?.accessKeyId, 'AK1');
    now += 10 * 60_000 - REFRESH_MARGIN_MS - 1;
    assert.equal((await provider())?.accessKeyId, 'AK1');
    now += 2;
    assert.equal((await provider())?.accessKeyId, 'AK2');
  });

  test('does not keep a failure', async () => {
    let calls = 0;
    const provider = cachedProvider(async () => {
      calls += 1;
      if (calls === 1) throw new CredentialsError('first fails');
      return { accessKeyId: 'AK', secretAccessKey: 's' };
    });
    await assert.rejects(provider(), /first fails/);
    assert.equal((await provider())?.accessKeyId, 'AK');
  });
});

describe('staticProvider', () => {
  test('fails clearly once the credentials have expired', async () => {
    const expiration = new Date('2030-01-01T00:00:00Z');
    const provider = staticProvider(
      { accessKeyId: 'AK', secretAccessKey: 's', expiration },
      () => expiration.getTime() + 1,
    );
    await assert.rejects(
      provider(),
      (err: unknown) =>
        err instanceof CredentialsError && /expired at 2030-01-01T00:00:00.000Z/.test(err.message),
    );
  });
});
