/**
 * @module Resolves, once per client, where calls go and how they are signed: region, endpoint, credentials.
 */
import type * as EndpointModule from '../config/endpoint.js';
import type { ClientSettings } from '../config/resolve-options.js';
import type { Profile } from '../config/profile.js';
import type * as RegionModule from '../config/region.js';
import type { CredentialsProvider } from '../credentials/credentials.js';
import { cachedProvider, staticProvider } from '../credentials/cached-provider.js';
import { createSigner, type RequestSigner } from '../transport/sign-request.js';

// The lookups of region and endpoint, the profile files and the default credentials chain are
// loaded on first need only: a client given its credentials, region and endpoint starts
// without them.
const loadProfile = async (name: string | undefined, env: NodeJS.ProcessEnv) =>
  (await import('../config/profile.js')).loadProfile(name, env);
const resolveRegion: typeof RegionModule.resolveRegion = async (...args) =>
  (await import('../config/region.js')).resolveRegion(...args);
const resolveEndpoint: typeof EndpointModule.resolveEndpoint = async (...args) =>
  (await import('../config/endpoint.js')).resolveEndpoint(...args);

/** Where a client's calls go and how they are signed. */
export interface Target {
  region: string;
  /** The endpoint with the request path (ending in `/`). */
  url: URL;
  credentials: CredentialsProvider;
  sign: RequestSigner;
}

function credentialsProvider(
  settings: ClientSettings,
  env: NodeJS.ProcessEnv,
  profile: () => Promise<Profile>,
): CredentialsProvider {
  const source = settings.credentials;
  switch (source.kind) {
    case 'anonymous':
      return async () => undefined;
    case 'static':
      return staticProvider(source.credentials);
    case 'chain':
      return cachedProvider(async () =>
        (await import('../credentials/default-chain.js')).defaultCredentials(
          source.profile,
          env,
          profile,
        ),
      );
  }
}

/**
 * Returns a function that resolves the client's target on first use and then returns the same
 * one; a failed resolution is tried again on the next call. The environment is read then,
 * not when the client is created.
 *
 * @example
 * const target = targetResolver(resolveOptions({ region: 'us-east-1' }));
 * (await target()).url.href; // 'https://metering.marketplace.us-east-1.amazonaws.com/'
 */
export function targetResolver(
  settings: ClientSettings,
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<Target> {
  let pending: Promise<Target> | undefined;
  const resolve = async (): Promise<Target> => {
    let loaded: Promise<Profile> | undefined;
    const profile = () => (loaded ??= loadProfile(settings.profile, env));
    // An explicit region or endpoint needs no lookup.
    const region = settings.region ?? (await resolveRegion(undefined, env, profile));
    const endpoint =
      settings.endpoint ??
      (await resolveEndpoint({
        explicit: undefined,
        env,
        region,
        useFips: settings.useFips,
        profileValue: async (key) => (await profile()).values[key],
      }));
    const url = new URL(endpoint.href);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    // URL leaves [ ] ^ | unencoded in a path, but aws4 signs them encoded: send them so too.
    url.pathname = url.pathname.replace(/[[\]^|]/g, encodeURIComponent);
    return {
      region,
      url,
      credentials: credentialsProvider(settings, env, profile),
      sign: createSigner(region),
    };
  };
  return () =>
    (pending ??= resolve().catch((err: unknown) => {
      pending = undefined;
      throw err;
    }));
}
