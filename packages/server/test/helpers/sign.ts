/**
 * @module Raw AWS JSON 1.1 (and Smithy RPC v2 CBOR) calls for protocol tests: builds a request,
 * signs it with @smithy/signature-v4 as an SDK would, and lets a test break it before sending it
 * with fetch.
 */

import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credentials } from './meterd.js';

export interface RawCall {
  /** Operation name after `AWSMPMeteringService.`; null sends no X-Amz-Target. */
  operation?: string | null;
  /** Overrides the whole X-Amz-Target header. */
  target?: string;
  body?: string | Buffer;
  /** The request path (default `/`; RPC v2 CBOR names the operation in it). */
  path?: string;
  /** More headers, signed with the others (`smithy-protocol`). */
  headers?: Record<string, string>;
  contentType?: string | null;
  credentials?: Credentials;
  region?: string;
  service?: string;
  signingDate?: Date;
  /** Leaves `host` out of the signed headers. */
  unsignedHost?: boolean;
  /** false: no x-amz-content-sha256 header, as botocore signs. */
  payloadHashHeader?: boolean;
  /** Leaves the request unsigned. */
  unsigned?: boolean;
  /** Changes the request after signing (tampering). */
  after?: (request: { headers: Record<string, string>; body: string | Buffer }) => void;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

/** Signs `call` for `baseUrl`; returns the headers and body to send. */
export async function signCall(baseUrl: string, call: RawCall) {
  const url = new URL(baseUrl);
  const body = call.body ?? '{}';
  const headers: Record<string, string> = { host: url.host, ...call.headers };
  const contentType =
    call.contentType === undefined ? 'application/x-amz-json-1.1' : call.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const target =
    call.target ??
    (call.operation === null
      ? undefined
      : `AWSMPMeteringService.${call.operation ?? 'BatchMeterUsage'}`);
  if (target !== undefined) headers['x-amz-target'] = target;
  if (call.unsigned) return { headers, body };

  const credentials = call.credentials!;
  const signer = new SignatureV4({
    service: call.service ?? 'aws-marketplace',
    region: call.region ?? 'us-east-1',
    sha256: Hash.bind(null, 'sha256'),
    credentials,
    applyChecksum: call.payloadHashHeader ?? true,
  });
  const toSign = { ...headers };
  if (call.unsignedHost) delete toSign.host;
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: call.path ?? '/',
      headers: toSign,
      body,
    }),
    call.signingDate ? { signingDate: call.signingDate } : {},
  );
  const out = { headers: { ...(signed.headers as Record<string, string>) }, body };
  call.after?.(out);
  return out;
}

/** Sends a raw call to meterd and reads the answer. */
export async function rawCall(baseUrl: string, call: RawCall): Promise<RawAnswer> {
  const { headers, body } = await signCall(baseUrl, call);
  // fetch sets Host itself, to the same value.
  const { host: _, ...rest } = headers;
  const response = await fetch(`${baseUrl}/`, { method: 'POST', headers: rest, body });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
