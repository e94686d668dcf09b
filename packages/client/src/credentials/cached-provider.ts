/**
 * @module Keeps credentials until five minutes before they expire, sharing one lookup between concurrent calls.
 */
import { CredentialsError } from '../errors.js';
import type { Credentials, CredentialsProvider } from './credentials.js';

/** How long before expiry credentials are fetched again. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Caches a provider's credentials. A failed lookup is not cached: the next call tries again.
 *
 * @example
 * const provider = cachedProvider(() => defaultCredentials(undefined, process.env, loadProfileOnce));
 */
export function cachedProvider(
  provider: () => Promise<Credentials | undefined>,
  now: () => number = Date.now,
): CredentialsProvider {
  let current: Credentials | undefined;
  let pending: Promise<Credentials | undefined> | undefined;
  const fresh = (c: Credentials) =>
    c.expiration === undefined || c.expiration.getTime() - now() > REFRESH_MARGIN_MS;
  return async () => {
    if (current && fresh(current)) return current;
    pending ??= provider()
      .then((c) => {
        current = c;
        return c;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/**
 * A provider of fixed credentials that fails clearly once they have expired.
 *
 * @example
 * const provider = staticProvider({ accessKeyId: 'AKID', secretAccessKey: 'secret' });
 */
export function staticProvider(
  credentials: Credentials,
  now: () => number = Date.now,
): CredentialsProvider {
  return async () => {
    if (credentials.expiration && credentials.expiration.getTime() <= now()) {
      throw new CredentialsError(
        `The credentials given in credentials.creds expired at ${credentials.expiration.toISOString()}.`,
      );
    }
    return credentials;
  };
}
