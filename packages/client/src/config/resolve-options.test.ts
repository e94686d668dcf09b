import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigurationError } from '../errors.js';
import type { MarketplaceMeteringOptions } from './options.js';
import { resolveOptions } from './resolve-options.js';

describe('resolveOptions', () => {
  test('applies the defaults when nothing is given', () => {
    const s = resolveOptions();
    assert.deepEqual(s, {
      credentials: { kind: 'chain', profile: undefined },
      profile: undefined,
      endpoint: undefined,
      region: undefined,
      useFips: undefined,
      closeConnection: false,
      maxRetries: 3,
      timeoutSeconds: 60,
      connectTimeoutSeconds: 60,
    });
  });

  test('reads every config key', () => {
    const s = resolveOptions({
      config: {
        credentials: {
          creds: { access_key_id: 'AK', secret_access_key: 'SK', session_token: 'ST' },
        },
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu-west-1',
        close_connection: true,
        max_retries: 0,
        timeout: 2.5,
        connect_timeout: 1,
        use_fips: true,
      },
    });
    assert.deepEqual(s.credentials, {
      kind: 'static',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'ST' },
    });
    assert.equal(s.endpoint?.href, 'http://127.0.0.1:9000/');
    assert.equal(s.region, 'eu-west-1');
    assert.equal(s.closeConnection, true);
    assert.equal(s.maxRetries, 0);
    assert.equal(s.timeoutSeconds, 2.5);
    assert.equal(s.connectTimeoutSeconds, 1);
    assert.equal(s.useFips, true);
  });

  test('the shorthands take precedence over config', () => {
    const s = resolveOptions({
      config: {
        region: 'eu-west-1',
        endpoint: 'http://config.example',
        credentials: { profile: 'from-config' },
      },
      region: 'us-east-1',
      endpoint: 'http://shorthand.example',
      credentials: { creds: { access_key_id: 'AK', secret_access_key: 'SK' } },
    });
    assert.equal(s.region, 'us-east-1');
    assert.equal(s.endpoint?.host, 'shorthand.example');
    assert.equal(s.credentials.kind, 'static');
    assert.equal(
      s.profile,
      undefined,
      'the shorthand credentials replace config.credentials whole',
    );
  });

  test('keys that only concern other services are accepted and change nothing', () => {
    const plain = resolveOptions({ region: 'us-east-1' });
    const withOthers = resolveOptions({
      region: 'us-east-1',
      config: {
        s3_force_path_style: true,
        s3_virtual_address: false,
        sts_regional_endpoint: 'regional',
        signature_version: 'v4',
        credentials: { creds: { access_token: 'sso-token' } },
      },
    });
    assert.deepEqual(withOthers, plain);
  });

  test('empty strings and nulls count as not given, as paws defaults them', () => {
    const s = resolveOptions({
      config: {
        region: '',
        endpoint: '',
        credentials: { profile: '', creds: { access_key_id: '', secret_access_key: '' } },
      },
    });
    assert.equal(s.region, undefined);
    assert.equal(s.endpoint, undefined);
    assert.deepEqual(s.credentials, { kind: 'chain', profile: undefined });
  });

  test('anonymous and profile and expiration', () => {
    assert.deepEqual(resolveOptions({ credentials: { anonymous: true } }).credentials, {
      kind: 'anonymous',
    });
    assert.deepEqual(resolveOptions({ credentials: { profile: 'p' } }).credentials, {
      kind: 'chain',
      profile: 'p',
    });
    const s = resolveOptions({
      credentials: {
        creds: { access_key_id: 'AK', secret_access_key: 'SK', expiration: '2030-01-01T00:00:00Z' },
      },
    });
    assert.deepEqual(s.credentials, {
      kind: 'static',
      credentials: {
        accessKeyId: 'AK',
        secretAccessKey: 'SK',
        expiration: new Date('2030-01-01T00:00:00Z'),
      },
    });
  });

  const rejected: [string, unknown, RegExp][] = [
    [
      'an unknown top-level key',
      { regoin: 'x' },
      /unknown option 'regoin'.*Known keys: config, credentials, endpoint, region/,
    ],
    [
      'a camelCase config key',
      { config: { maxRetries: 2 } },
      /unknown option 'config.maxRetries'; did you mean 'max_retries'\?/,
    ],
    [
      'an unknown credentials key',
      { credentials: { creds: { accessKeyId: 'x' } } },
      /'credentials.creds.accessKeyId'; did you mean 'access_key_id'\?/,
    ],
    [
      'a mistyped value',
      { config: { max_retries: '3' } },
      /'config.max_retries' must be a whole number of retries, 0 or more, got "3"/,
    ],
    ['a negative retry count', { config: { max_retries: -1 } }, /max_retries/],
    [
      'a zero timeout',
      { config: { timeout: 0 } },
      /'config.timeout' must be a number of seconds greater than 0/,
    ],
    [
      'a signature version other than v4',
      { config: { signature_version: 'v2' } },
      /one of '', 'v4'/,
    ],
    [
      'a bad sts_regional_endpoint',
      { config: { sts_regional_endpoint: 'global' } },
      /one of '', 'regional', 'legacy'/,
    ],
    [
      'half a key pair',
      { credentials: { creds: { access_key_id: 'AK' } } },
      /needs both access_key_id and secret_access_key/,
    ],
    [
      'anonymous with creds',
      { credentials: { anonymous: true, creds: { access_key_id: 'A', secret_access_key: 'S' } } },
      /cannot be combined/,
    ],
    [
      'an endpoint that is not a URL',
      { endpoint: 'localhost:4566' },
      /must start with http:\/\/ or https:\/\//,
    ],
    ['an endpoint with no scheme', { endpoint: 'metering' }, /is not a URL/],
    [
      'a bad expiration',
      {
        credentials: { creds: { access_key_id: 'A', secret_access_key: 'S', expiration: 'soon' } },
      },
      /a Date or an ISO 8601 date string/,
    ],
    ['an argument that is not an object', 'us-east-1', /the argument must be an object/],
  ];
  for (const [what, options, message] of rejected) {
    test(`rejects ${what}`, () => {
      assert.throws(
        () => resolveOptions(options as MarketplaceMeteringOptions),
        (err: unknown) => err instanceof ConfigurationError && message.test(err.message),
      );
    });
  }
});
