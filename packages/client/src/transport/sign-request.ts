/**
 * @module Signs a request with SigV4 for the `aws-marketplace` signing name, using @smithy/signature-v4.
 */
import { createRequire } from 'node:module';
import type * as SerdeModule from '@smithy/core/serde';
import type * as SignatureV4Module from '@smithy/signature-v4';
import type { Credentials } from '../credentials/credentials.js';
import { SERVICE } from '../model/shapes.js';
import type { WireRequest } from './http-transport.js';

// Loaded with require: importing these CommonJS packages from ESM would have Node scan their
// sources for export names first, which costs more than the rest of the client's start-up.
const require = createRequire(import.meta.url);
const { SignatureV4 } = require('@smithy/signature-v4') as typeof SignatureV4Module;
const { Hash } = require('@smithy/core/serde') as typeof SerdeModule;

/** SHA-256 on Node's crypto, the hash the AWS SDK for JavaScript signs with on Node. */
class Sha256 extends Hash {
  constructor(secret?: Parameters<typeof Hash.prototype.update>[0]) {
    super('sha256', secret);
  }
}

/** Signs a request: returns its headers with `x-amz-date`, `x-amz-content-sha256`, `authorization` (and `x-amz-security-token`). */
export type RequestSigner = (
  request: WireRequest,
  credentials: Credentials,
) => Promise<Record<string, string>>;

/**
 * Creates a signer for one region. Every call signs afresh, with the current time.
 *
 * @example
 * const sign = createSigner('us-east-1');
 * const headers = await sign(request, { accessKeyId: 'AKID', secretAccessKey: 'secret' });
 */
export function createSigner(region: string): RequestSigner {
  return async (request, credentials) => {
    const signer = new SignatureV4({
      service: SERVICE.signingName,
      region,
      credentials,
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      path: request.url.pathname,
      query: Object.fromEntries(request.url.searchParams),
      headers: { ...request.headers },
      body: request.body,
    });
    return signed.headers;
  };
}
