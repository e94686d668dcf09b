/**
 * @module Signs a request with SigV4 for the `aws-marketplace` signing name, using the `aws4` package.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Credentials } from '../credentials/credentials.js';
import { SERVICE } from '../model/shapes.js';
import type { WireRequest } from './http-transport.js';

/** The part of `aws4` the client uses: `sign()` fills in the request's SigV4 headers. */
interface Aws4 {
  sign(
    request: {
      method: string;
      host: string;
      path: string;
      service: string;
      region: string;
      headers: Record<string, string>;
      body: string;
    },
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  ): { headers: Record<string, string> };
}

// Loaded with require: importing this CommonJS package from ESM would have Node scan its source
// for export names first.
const aws4 = createRequire(import.meta.url)('aws4') as Aws4;

/** Signs a request: returns its headers with `x-amz-date`, `x-amz-content-sha256`, `authorization` (and `x-amz-security-token`). */
export type RequestSigner = (
  request: WireRequest,
  credentials: Credentials,
) => Promise<Record<string, string>>;

/**
 * Creates a signer for one region. Every call signs afresh, with the current time. The
 * payload hash is sent as `x-amz-content-sha256` and signed, as the AWS SDK for JavaScript
 * does, so that both sign the same headers.
 *
 * @example
 * const sign = createSigner('us-east-1');
 * const headers = await sign(request, { accessKeyId: 'AKID', secretAccessKey: 'secret' });
 */
export function createSigner(region: string): RequestSigner {
  return async (request, credentials) => {
    const signed = aws4.sign(
      {
        method: 'POST',
        host: request.url.host,
        path: request.url.pathname + request.url.search,
        service: SERVICE.signingName,
        region,
        headers: {
          ...request.headers,
          'x-amz-content-sha256': createHash('sha256').update(request.body).digest('hex'),
        },
        body: request.body,
      },
      credentials,
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers))
      headers[name.toLowerCase()] = String(value);
    return headers;
  };
}
