/**
 * @module Finds the endpoint: explicit, then `AWS_ENDPOINT_URL_MARKETPLACE_METERING`, then `AWS_ENDPOINT_URL`, then the regional AWS endpoint.
 */
import { SERVICE } from '../model/shapes.js';
import { parseEndpoint } from './resolve-options.js';

/**
 * The AWS endpoint of the service in a region: `.amazonaws.com.cn` in China, and the
 * `metering.marketplace-fips` host when FIPS is asked for.
 *
 * @example
 * regionalEndpoint('cn-north-1', false).href; // 'https://metering.marketplace.cn-north-1.amazonaws.com.cn/'
 */
export function regionalEndpoint(region: string, fips: boolean): URL {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${SERVICE.endpointPrefix}${fips ? '-fips' : ''}.${region}.${suffix}`);
}

const isTrue = (value: string | undefined): boolean | undefined =>
  value === undefined || value === '' ? undefined : value.toLowerCase() === 'true';

/**
 * Resolves the endpoint in the usual AWS order. The environment's endpoint URLs are skipped
 * when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`. FIPS comes from the option, else
 * `AWS_USE_FIPS_ENDPOINT`, else the profile's `use_fips_endpoint`.
 *
 * @example
 * await resolveEndpoint({ explicit: undefined, env: { AWS_ENDPOINT_URL: 'http://localhost:4566' }, region: 'us-east-1', useFips: undefined, profileValue: async () => undefined });
 */
export async function resolveEndpoint(input: {
  explicit: URL | undefined;
  env: NodeJS.ProcessEnv;
  region: string;
  useFips: boolean | undefined;
  profileValue: (key: string) => Promise<string | undefined>;
}): Promise<URL> {
  const { explicit, env } = input;
  if (explicit) return explicit;
  if (isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) !== true) {
    if (env.AWS_ENDPOINT_URL_MARKETPLACE_METERING) {
      return parseEndpoint(
        env.AWS_ENDPOINT_URL_MARKETPLACE_METERING,
        'AWS_ENDPOINT_URL_MARKETPLACE_METERING',
      );
    }
    if (env.AWS_ENDPOINT_URL) return parseEndpoint(env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL');
  }
  const fips =
    input.useFips ??
    isTrue(env.AWS_USE_FIPS_ENDPOINT) ??
    isTrue(await input.profileValue('use_fips_endpoint')) ??
    false;
  return regionalEndpoint(input.region, fips);
}
