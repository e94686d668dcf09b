import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigurationError } from '../errors.js';
import { regionalEndpoint, resolveEndpoint } from './endpoint.js';
import { parseEndpoint } from './resolve-options.js';

describe('resolveEndpoint', () => {
  const cases: {
    name: string;
    explicit?: string;
    env?: NodeJS.ProcessEnv;
    region?: string;
    useFips?: boolean;
    profileFips?: string;
    expected: string;
  }[] = [
    {
      name: 'regional by default',
      expected: 'https://metering.marketplace.us-east-1.amazonaws.com/',
    },
    {
      name: 'China',
      region: 'cn-northwest-1',
      expected: 'https://metering.marketplace.cn-northwest-1.amazonaws.com.cn/',
    },
    {
      name: 'FIPS by option',
      useFips: true,
      expected: 'https://metering.marketplace-fips.us-east-1.amazonaws.com/',
    },
    {
      name: 'FIPS by AWS_USE_FIPS_ENDPOINT',
      env: { AWS_USE_FIPS_ENDPOINT: 'true' },
      expected: 'https://metering.marketplace-fips.us-east-1.amazonaws.com/',
    },
    {
      name: 'FIPS by profile',
      profileFips: 'true',
      expected: 'https://metering.marketplace-fips.us-east-1.amazonaws.com/',
    },
    {
      name: 'option false beats AWS_USE_FIPS_ENDPOINT',
      useFips: false,
      env: { AWS_USE_FIPS_ENDPOINT: 'true' },
      expected: 'https://metering.marketplace.us-east-1.amazonaws.com/',
    },
    {
      name: 'AWS_USE_FIPS_ENDPOINT=false beats the profile',
      env: { AWS_USE_FIPS_ENDPOINT: 'false' },
      profileFips: 'true',
      expected: 'https://metering.marketplace.us-east-1.amazonaws.com/',
    },
    {
      name: 'AWS_ENDPOINT_URL',
      env: { AWS_ENDPOINT_URL: 'http://localhost:4566' },
      expected: 'http://localhost:4566/',
    },
    {
      name: 'the per-service variable beats AWS_ENDPOINT_URL',
      env: {
        AWS_ENDPOINT_URL: 'http://localhost:4566',
        AWS_ENDPOINT_URL_MARKETPLACE_METERING: 'http://127.0.0.1:8080',
      },
      expected: 'http://127.0.0.1:8080/',
    },
    {
      name: 'explicit beats the environment',
      explicit: 'https://meterd.internal:8443/base',
      env: { AWS_ENDPOINT_URL_MARKETPLACE_METERING: 'http://127.0.0.1:8080' },
      expected: 'https://meterd.internal:8443/base',
    },
    {
      name: 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
      env: {
        AWS_ENDPOINT_URL: 'http://localhost:4566',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      },
      expected: 'https://metering.marketplace.us-east-1.amazonaws.com/',
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const url = await resolveEndpoint({
        explicit: c.explicit ? parseEndpoint(c.explicit, 'endpoint') : undefined,
        env: c.env ?? {},
        region: c.region ?? 'us-east-1',
        useFips: c.useFips,
        profileValue: async (key) => (key === 'use_fips_endpoint' ? c.profileFips : undefined),
      });
      assert.equal(url.href, c.expected);
    });
  }

  test('an unusable endpoint variable is a ConfigurationError naming it', async () => {
    await assert.rejects(
      resolveEndpoint({
        explicit: undefined,
        env: { AWS_ENDPOINT_URL: 'ftp://example.com' },
        region: 'us-east-1',
        useFips: undefined,
        profileValue: async () => undefined,
      }),
      (err: unknown) =>
        err instanceof ConfigurationError && /AWS_ENDPOINT_URL 'ftp/.test(err.message),
    );
  });

  test('regionalEndpoint', () => {
    assert.equal(
      regionalEndpoint('cn-north-1', true).host,
      'metering.marketplace-fips.cn-north-1.amazonaws.com.cn',
    );
  });
});
