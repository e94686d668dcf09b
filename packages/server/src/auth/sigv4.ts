/**
 * @module Signature Version 4 verification: parses the Authorization header, checks scope and
 * clock skew, and recomputes the signature over the raw body with node:crypto, canonicalizing
 * exactly as @smithy/signature-v4 does (the AWS SDK's signer; its tests check both agree).
 */

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SERVICE } from '@meterd/model/metering';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../protocol/errors.js';

export const SIGNING_SERVICE = SERVICE.signingName;
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

  const expected = computeSignature(req, auth, key, signingDate);
  const given = Buffer.from(auth.signature);
  const wanted = Buffer.from(expected);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw mismatch();
}

// Headers the signer generates itself: a client's own are replaced (x-amz-date) or dropped.
const GENERATED = new Set(['authorization', 'x-amz-date', 'date']);

const escapeUri = (text: string) =>
  encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/** The canonical URI: dot segments resolved, each segment URI-encoded (again). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

/** The canonical query string: encoded pairs sorted by key, then by value; no signature. */
function canonicalQuery(url: URL): string {
  const query = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) {
    if (k === '__proto__') continue; // as a plain-object query would lose it
    const values = query.get(k);
    if (values) values.push(v);
    else query.set(k, [v]);
  }
  const serialized = new Map<string, string>();
  for (const [k, values] of query) {
    if (k.toLowerCase() === 'x-amz-signature') continue;
    const key = escapeUri(k);
    serialized.set(
      key,
      values.length === 1
        ? `${key}=${escapeUri(values[0]!)}`
        : values
            .map((v) => `${key}=${escapeUri(v)}`)
            .sort()
            .join('&'),
    );
  }
  return [...serialized.keys()]
    .sort()
    .map((k) => serialized.get(k)!)
    .join('&');
}

/** Recomputes the request's signature from the client's signed headers and the key's secret. */
function computeSignature(
  req: SignedRequest,
  auth: ParsedAuthorization,
  key: KeySecret,
  signingDate: Date,
): string {
  const signable = new Set(auth.signedHeaders);
  const canonical = new Map<string, string>();
  for (const name of signable) {
    const value = req.headers[name];
    if (value === undefined || name === '__proto__') throw mismatch();
    if (GENERATED.has(name)) continue;
    canonical.set(name, Array.isArray(value) ? value.join(',') : value);
  }
  const longDate = signingDate
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const shortDate = longDate.slice(0, 8);
  canonical.set('x-amz-date', longDate);
  if (key.sessionToken) canonical.set('x-amz-security-token', key.sessionToken);
  const payloadHash = canonical.get('x-amz-content-sha256') ?? sha256Hex(req.body);

  // Every header the client listed is signed, even those a signer skips by default (user-agent).
  const names = [...canonical.keys()].sort();
  let headerLines = '';
  for (const name of names)
    headerLines += `${name}:${canonical
      .get(name)!
      .replace(/[\r\n]/g, ' ')
      .replace(/[ \t]+/g, ' ')
      .replace(/^ | $/g, '')}\n`;
  // Every AWS JSON call is `POST /`: skip URL parsing for it.
  let target = '/\n';
  if (req.url !== '/') {
    const url = new URL(req.url, 'http://placeholder');
    target = `${canonicalPath(url.pathname)}\n${canonicalQuery(url)}`;
  }
  const canonicalRequest = `${req.method}\n${target}\n${headerLines}\n${names.join(';')}\n${payloadHash}`;
  const scope = `${shortDate}/${auth.region}/${SIGNING_SERVICE}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  return createHmac('sha256', signingKey(key.secretAccessKey, shortDate, auth.region))
    .update(stringToSign)
    .digest('hex');
}

function mismatch() {
  return new InvalidSignatureException(
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
}

const sha256Hex = (body: Buffer) => createHash('sha256').update(body).digest('hex');

// Derived signing keys, one per secret, day and region: four HMACs saved on every call.
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 10_000;

function signingKey(secret: string, day: string, region: string): Buffer {
  const id = `${day}\0${region}\0${secret}`;
  let derived = signingKeys.get(id);
  if (!derived) {
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
    derived = createHmac('sha256', `AWS4${secret}`).update(day).digest();
    for (const part of [region, SIGNING_SERVICE, 'aws4_request'])
      derived = createHmac('sha256', derived).update(part).digest();
    signingKeys.set(id, derived);
  }
  return derived;
}
