/**
 * @module Signature Version 4 verification: parses the Authorization header, checks scope and
 * clock skew, and recomputes the signature with @smithy/signature-v4 over the raw body.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../protocol/errors.js';

export const SIGNING_SERVICE = 'aws-marketplace';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;

/** What the verifier needs of an incoming HTTP request. */
export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A secret held by the server for one access key. */
export interface KeySecret {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | null;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const header = (req: SignedRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (!value)
    throw new MissingAuthenticationTokenException('Request is missing Authentication Token');
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM)
    throw new IncompleteSignatureException(
      `Unsupported authorization type: '${algorithm}'; only ${ALGORITHM} is accepted.`,
    );
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const name of ['Credential', 'SignedHeaders', 'Signature'])
    if (!fields.get(name))
      throw new IncompleteSignatureException(
        `Authorization header requires '${name}' parameter. Authorization=${value.split(',')[0]}`,
      );
  const scope = fields.get('Credential')!.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || scope.some((s) => s === ''))
    throw new IncompleteSignatureException(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${fields.get('Credential')}'`,
    );
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: fields.get('SignedHeaders')!.toLowerCase().split(';'),
    signature: fields.get('Signature')!,
  };
}

/** `20261123T020000Z` → Date, or undefined when malformed. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const formatAmzDate = (date: Date) => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

/**
 * Checks the request's date, scope and signature against the key's secret.
 * Throws the AWS error a real endpoint would answer with.
 */
export async function verifySignature(
  req: SignedRequest,
  auth: ParsedAuthorization,
  key: KeySecret,
  options: { region: string; now: Date },
): Promise<void> {
  const sessionToken = header(req, 'x-amz-security-token');
  if ((key.sessionToken ?? undefined) !== sessionToken)
    throw new UnrecognizedClientException('The security token included in the request is invalid.');

  const amzDate = header(req, 'x-amz-date');
  if (!amzDate)
    throw new IncompleteSignatureException(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate)
    throw new IncompleteSignatureException(
      `Invalid X-Amz-Date '${amzDate}': expected YYYYMMDD'T'HHMMSS'Z'.`,
    );

  const now = options.now.getTime();
  if (signingDate.getTime() < now - MAX_SKEW_MS)
    throw new InvalidSignatureException(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(new Date(now - MAX_SKEW_MS))} (${formatAmzDate(options.now)} - 15 min.)`,
    );
  if (signingDate.getTime() > now + MAX_SKEW_MS)
    throw new InvalidSignatureException(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(new Date(now + MAX_SKEW_MS))} (${formatAmzDate(options.now)} + 15 min.)`,
    );
  if (auth.date !== amzDate.slice(0, 8))
    throw new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  if (auth.service !== SIGNING_SERVICE)
    throw new InvalidSignatureException(
      `Credential should be scoped to correct service: '${SIGNING_SERVICE}'.`,
    );
  if (auth.region !== options.region)
    throw new InvalidSignatureException(
      `Credential should be scoped to a valid region, not '${auth.region}'.`,
    );
  if (!auth.signedHeaders.includes('host'))
    throw new InvalidSignatureException(
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );

  const contentSha = header(req, 'x-amz-content-sha256');
  if (contentSha !== undefined && contentSha !== sha256Hex(req.body)) throw mismatch();

  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) throw mismatch();
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(req.url, 'http://placeholder');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prior = query[k];
    query[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
  }
  const signed = await signerFor(key, auth.region).sign(
    new HttpRequest({ method: req.method, path: url.pathname, query, headers, body: req.body }),
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers['authorization']))?.[1];
  const given = Buffer.from(auth.signature);
  const wanted = Buffer.from(expected ?? '');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw mismatch();
}

function mismatch() {
  return new InvalidSignatureException(
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
}

const sha256Hex = (body: Buffer) => createHash('sha256').update(body).digest('hex');

// One signer per key and region, so that @smithy/signature-v4 caches each derived signing key.
const signers = new Map<string, SignatureV4>();
const MAX_SIGNERS = 10_000;

function signerFor(key: KeySecret, region: string): SignatureV4 {
  const id = `${region}\0${key.accessKeyId}\0${key.secretAccessKey}\0${key.sessionToken ?? ''}`;
  let signer = signers.get(id);
  if (!signer) {
    if (signers.size >= MAX_SIGNERS) signers.clear();
    signer = new SignatureV4({
      service: SIGNING_SERVICE,
      region,
      sha256: Hash.bind(null, 'sha256'),
      // Sign only what the client signed: botocore sends no x-amz-content-sha256 header.
      applyChecksum: false,
      credentials: {
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey,
        ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
      },
    });
    signers.set(id, signer);
  }
  return signer;
}
