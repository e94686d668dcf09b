/**
 * @module Turns a request's Authorization header into the calling principal: the access key must
 * be known, and, unless signature checks are switched off for local development, the SigV4
 * signature must verify.
 */

import type { Store } from '../storage/store.js';
import { TransientStoreError } from '../storage/errors.js';
import { ThrottlingException, UnrecognizedClientException } from '../protocol/errors.js';
import type { Principal } from '../domain/principal.js';
import { parseAuthorization, verifySignature, type SignedRequest } from './sigv4.js';
import { systemClock, type Clock } from '../domain/clock.js';

export interface AuthenticatorOptions {
  store: Store;
  region: string;
  /** false only with the explicit local-development opt-out. */
  verifySignatures: boolean;
  now?: Clock;
}

export class Authenticator {
  constructor(private readonly options: AuthenticatorOptions) {}

  async authenticate(req: SignedRequest): Promise<Principal> {
    const raw = req.headers['authorization'];
    const auth = parseAuthorization(Array.isArray(raw) ? raw[0] : raw);
    const key = await this.options.store.getAccessKey(auth.accessKeyId).catch((error: unknown) => {
      // A store that cannot be asked now: the caller backs off and retries, as for any call.
      if (error instanceof TransientStoreError)
        throw new ThrottlingException('Rate exceeded; the store is busy. Retry with backoff.');
      throw error;
    });
    if (!key)
      throw new UnrecognizedClientException(
        'The security token included in the request is invalid.',
      );
    if (this.options.verifySignatures)
      await verifySignature(req, auth, key, {
        region: this.options.region,
        now: (this.options.now ?? systemClock)(),
      });
    return {
      accountId: key.accountId,
      accessKeyId: key.accessKeyId,
      temporary: key.sessionToken !== null,
      resourceRegion: key.region ?? this.options.region,
    };
  }
}
