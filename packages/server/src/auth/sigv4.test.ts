/**
 * @module SigV4 verification: requests signed with @smithy/signature-v4 verify; tampered ones
 * get the error AWS gives, as a table.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../protocol/errors.js';
import {
  parseAuthorization,
  verifySignature,
  type KeySecret,
  type SignedRequest,
} from './sigv4.js';

const NOW = new Date('2026-11-23T02:00:00Z');
const KEY: KeySecret = { accessKeyId: 'AKIAACMESELLER000001', secretAccessKey: 'acme-secret' };
const TEMPORARY: KeySecret = {
  accessKeyId: 'ASIAGLOBEXTASK000001',
  secretAccessKey: 'task-secret',
  sessionToken: 'task-session',
};
const BODY = '{"ProductCode":"acme-saas","UsageRecords":[]}';

interface Signing {
  key?: KeySecret;
  region?: string;
  service?: string;
  date?: Date;
  path?: string;
  query?: Record<string, string>;
  /** Sends x-amz-content-sha256, as the AWS SDK for JavaScript does (botocore does not). */
  payloadHash?: boolean;
  withoutHost?: boolean;
}

/** Signs a Marketplace Metering call as an SDK would and returns it as the server sees it. */
async function sign(options: Signing = {}): Promise<SignedRequest> {
  const key = options.key ?? KEY;
  const headers: Record<string, string> = {
    host: 'metering.marketplace.us-east-1.amazonaws.com',
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'AWSMPMeteringService.BatchMeterUsage',
  };
  if (options.withoutHost) delete headers.host;
  const signed = await new SignatureV4({
    service: options.service ?? 'aws-marketplace',
    region: options.region ?? 'us-east-1',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: options.payloadHash ?? true,
    credentials: {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
    },
  }).sign(
    new HttpRequest({
      method: 'POST',
      hostname: 'metering.marketplace.us-east-1.amazonaws.com',
      path: options.path ?? '/',
      ...(options.query ? { query: options.query } : {}),
      headers,
      body: BODY,
    }),
    { signingDate: options.date ?? NOW },
  );
  const query = options.query ? `?${new URLSearchParams(options.query)}` : '';
  return {
    method: 'POST',
    url: `${options.path ?? '/'}${query}`,
    headers: {
      // The HTTP server always knows the Host, signed or not.
      host: 'metering.marketplace.us-east-1.amazonaws.com',
      ...(signed.headers as Record<string, string>),
    },
    body: Buffer.from(BODY),
  };
}

async function verify(req: SignedRequest, key: KeySecret = KEY, now = NOW) {
  const auth = parseAuthorization(req.headers.authorization as string | undefined);
  await verifySignature(req, auth, key, { region: 'us-east-1', now });
}

const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
const MISMATCH = /^The request signature we calculated does not match the signature you provided/;

describe('verifySignature accepts', () => {
  const cases: Array<[string, Signing, KeySecret?, Date?]> = [
    ['a request signed by the AWS SDK for JavaScript', {}],
    ['a request without x-amz-content-sha256, as botocore signs', { payloadHash: false }],
    ['temporary credentials with their session token', { key: TEMPORARY }, TEMPORARY],
    ['a signed query string', { query: { b: '2', a: 'x y' } }],
    ['a date 15 minutes old', { date: minutes(-15) }],
    ['a date 15 minutes ahead', { date: minutes(15) }],
  ];
  for (const [what, signing, key] of cases)
    it(what, async () => {
      await verify(await sign(signing), key);
    });
});

describe('verifySignature refuses', () => {
  type Tamper = (req: SignedRequest) => void;
  const header =
    (name: string, value: string | undefined): Tamper =>
    (req) => {
      req.headers[name] = value;
    };
  const replaceIn =
    (pattern: RegExp, replacement: string): Tamper =>
    (req) => {
      req.headers.authorization = String(req.headers.authorization).replace(pattern, replacement);
    };
  // [what, signing, tamper, key the server holds, error class, message]
  const cases: Array<
    [string, Signing, Tamper | undefined, KeySecret, new (m: string) => Error, RegExp]
  > = [
    [
      'a changed body',
      {},
      (req) => (req.body = Buffer.from(BODY.replace('acme', 'evil'))),
      KEY,
      InvalidSignatureException,
      MISMATCH,
    ],
    [
      'a changed body without a payload hash header',
      { payloadHash: false },
      (req) => (req.body = Buffer.from(BODY.replace('acme', 'evil'))),
      KEY,
      InvalidSignatureException,
      MISMATCH,
    ],
    [
      'a payload hash header not matching the body',
      {},
      header(
        'x-amz-content-sha256',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ),
      KEY,
      InvalidSignatureException,
      MISMATCH,
    ],
    [
      'a changed target',
      {},
      header('x-amz-target', 'AWSMPMeteringService.MeterUsage'),
      KEY,
      InvalidSignatureException,
      MISMATCH,
    ],
    ['a changed path', {}, (req) => (req.url = '/other'), KEY, InvalidSignatureException, MISMATCH],
    [
      'a changed query',
      { query: { a: '1' } },
      (req) => (req.url = '/?a=2'),
      KEY,
      InvalidSignatureException,
      MISMATCH,
    ],
    [
      'a signed header that is missing',
      {},
      header('content-type', undefined),
      KEY,
      InvalidSignatureException,
      MISMATCH,
    ],
    [
      'another secret',
      {},
      undefined,
      { ...KEY, secretAccessKey: 'other-secret' },
      InvalidSignatureException,
      MISMATCH,
    ],
    [
      'a signature in upper case',
      {},
      (req) => {
        req.headers.authorization = String(req.headers.authorization).replace(
          /Signature=(\w+)/,
          (_, s: string) => `Signature=${s.toUpperCase()}`,
        );
      },
      KEY,
      InvalidSignatureException,
      MISMATCH,
    ],
    [
      'a truncated signature',
      {},
      replaceIn(/(Signature=\w+)\w{4}$/, '$1'),
      KEY,
      InvalidSignatureException,
      MISMATCH,
    ],
    [
      'a date 16 minutes old',
      { date: minutes(-16) },
      undefined,
      KEY,
      InvalidSignatureException,
      /^Signature expired: 20261123T014400Z is now earlier than 20261123T014500Z \(20261123T020000Z - 15 min\.\)$/,
    ],
    [
      'a date 16 minutes ahead',
      { date: minutes(16) },
      undefined,
      KEY,
      InvalidSignatureException,
      /^Signature not yet current: 20261123T021600Z is still later than 20261123T021500Z \(20261123T020000Z \+ 15 min\.\)$/,
    ],
    [
      'a credential date other than X-Amz-Date',
      {},
      replaceIn(/\/20261123\//, '/20261122/'),
      KEY,
      InvalidSignatureException,
      /^Date in Credential scope does not match YYYYMMDD/,
    ],
    [
      'a malformed X-Amz-Date',
      {},
      header('x-amz-date', '2026-11-23T02:00:00Z'),
      KEY,
      IncompleteSignatureException,
      /X-Amz-Date/,
    ],
    [
      'no X-Amz-Date',
      {},
      header('x-amz-date', undefined),
      KEY,
      IncompleteSignatureException,
      /'X-Amz-Date'/,
    ],
    [
      'another service',
      { service: 'execute-api' },
      undefined,
      KEY,
      InvalidSignatureException,
      /^Credential should be scoped to correct service: 'aws-marketplace'\.$/,
    ],
    [
      'another region',
      { region: 'eu-west-1' },
      undefined,
      KEY,
      InvalidSignatureException,
      /^Credential should be scoped to a valid region, not 'eu-west-1'\.$/,
    ],
    [
      'host not signed',
      { withoutHost: true },
      undefined,
      KEY,
      InvalidSignatureException,
      /'Host' or ':authority' must be a 'SignedHeader'/,
    ],
    [
      'temporary credentials without their token',
      { key: { ...TEMPORARY, sessionToken: null } },
      undefined,
      TEMPORARY,
      UnrecognizedClientException,
      /^The security token included in the request is invalid\.$/,
    ],
    [
      'temporary credentials with another token',
      { key: { ...TEMPORARY, sessionToken: 'other-session' } },
      undefined,
      TEMPORARY,
      UnrecognizedClientException,
      /^The security token included in the request is invalid\.$/,
    ],
    [
      'a session token on long-term credentials',
      { key: { ...KEY, sessionToken: 'made-up' } },
      undefined,
      KEY,
      UnrecognizedClientException,
      /^The security token included in the request is invalid\.$/,
    ],
  ];
  for (const [what, signing, tamper, key, errorClass, message] of cases)
    it(what, async () => {
      const req = await sign(signing);
      tamper?.(req);
      await assert.rejects(verify(req, key), (error: Error) => {
        assert.ok(error instanceof errorClass, `${error.name}: ${error.message}`);
        assert.match(error.message, message);
        return true;
      });
    });
});

describe('parseAuthorization', () => {
  const GOOD =
    'AWS4-HMAC-SHA256 Credential=AKIAACMESELLER000001/20261123/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

  it('reads the key, scope, signed headers and signature', () => {
    assert.deepEqual(parseAuthorization(GOOD), {
      accessKeyId: 'AKIAACMESELLER000001',
      date: '20261123',
      region: 'us-east-1',
      service: 'aws-marketplace',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'abc',
    });
  });

  // [what, header, error class, message]
  const cases: Array<[string, string | undefined, new (m: string) => Error, RegExp]> = [
    [
      'no header',
      undefined,
      MissingAuthenticationTokenException,
      /^Request is missing Authentication Token$/,
    ],
    ['an empty header', '', MissingAuthenticationTokenException, /Authentication Token/],
    ['another scheme', 'Bearer abc', IncompleteSignatureException, /'Bearer'/],
    ['SigV2', 'AWS AKIA:sig', IncompleteSignatureException, /'AWS'/],
    ['the algorithm alone', 'AWS4-HMAC-SHA256', IncompleteSignatureException, /'Credential'/],
    [
      'no SignedHeaders',
      GOOD.replace(/SignedHeaders=[^,]+, /, ''),
      IncompleteSignatureException,
      /'SignedHeaders'/,
    ],
    [
      'no Signature',
      GOOD.replace(/, Signature=.*/, ''),
      IncompleteSignatureException,
      /'Signature'/,
    ],
    [
      'a four-part credential',
      GOOD.replace('/us-east-1', ''),
      IncompleteSignatureException,
      /5 slash-delimited elements/,
    ],
    [
      'another terminator',
      GOOD.replace('aws4_request', 'aws4_reqest'),
      IncompleteSignatureException,
      /5 slash-delimited elements/,
    ],
    [
      'an empty key id',
      GOOD.replace('AKIAACMESELLER000001', ''),
      IncompleteSignatureException,
      /5 slash-delimited elements/,
    ],
  ];
  for (const [what, value, errorClass, message] of cases)
    it(`refuses ${what}`, () => {
      assert.throws(
        () => parseAuthorization(value),
        (error: Error) => {
          assert.ok(error instanceof errorClass, `${error.name}: ${error.message}`);
          assert.match(error.message, message);
          return true;
        },
      );
    });
});
