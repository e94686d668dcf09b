import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigurationError } from '../errors.js';
import type { Profile } from './profile.js';
import { resolveRegion } from './region.js';

const profile = (region?: string) => async (): Promise<Profile> => ({
  name: 'default',
  values: { region },
  found: true,
});

describe('resolveRegion', () => {
  const cases: [string, string | undefined, NodeJS.ProcessEnv, string | undefined, string][] = [
    [
      'explicit first',
      'ap-southeast-2',
      { AWS_REGION: 'eu-west-1' },
      'us-west-2',
      'ap-southeast-2',
    ],
    [
      'then AWS_REGION',
      undefined,
      { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' },
      'us-west-2',
      'eu-west-1',
    ],
    [
      'then AWS_DEFAULT_REGION',
      undefined,
      { AWS_DEFAULT_REGION: 'eu-central-1' },
      'us-west-2',
      'eu-central-1',
    ],
    ['then the profile', undefined, {}, 'us-west-2', 'us-west-2'],
  ];
  for (const [name, explicit, env, fromProfile, expected] of cases) {
    test(name, async () => {
      assert.equal(await resolveRegion(explicit, env, profile(fromProfile)), expected);
    });
  }

  test('the profile is not read when the environment names a region', async () => {
    let read = false;
    const region = await resolveRegion(undefined, { AWS_REGION: 'eu-west-1' }, async () => {
      read = true;
      return { name: 'default', values: {}, found: false };
    });
    assert.equal(region, 'eu-west-1');
    assert.equal(read, false);
  });

  test('no region anywhere is a ConfigurationError that says where to set one', async () => {
    await assert.rejects(
      resolveRegion(undefined, {}, profile(undefined)),
      (err: unknown) =>
        err instanceof ConfigurationError &&
        /no region: pass 'region', set AWS_REGION or AWS_DEFAULT_REGION, or set 'region' in profile 'default'/.test(
          err.message,
        ),
    );
  });
});
