/**
 * @module Finds the client's region: explicit, then `AWS_REGION` / `AWS_DEFAULT_REGION`, then the profile.
 */
import { ConfigurationError } from '../errors.js';
import type { Profile } from './profile.js';

/**
 * Resolves the region in the usual AWS order. `profile` is only loaded when neither the
 * options nor the environment name a region.
 *
 * @example
 * await resolveRegion(undefined, { AWS_REGION: 'eu-west-1' }, loadProfileOnce); // 'eu-west-1'
 */
export async function resolveRegion(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  profile: () => Promise<Profile>,
): Promise<string> {
  const region = explicit || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region) return region;
  const p = await profile();
  if (p.values.region) return p.values.region;
  throw new ConfigurationError(
    `marketplacemetering(): no region: pass 'region', set AWS_REGION or AWS_DEFAULT_REGION, or set 'region' in profile '${p.name}' of the AWS config file.`,
  );
}
