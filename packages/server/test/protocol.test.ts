/**
 * @module AWS JSON 1.1 framing and SigV4 verification, over raw HTTP against a real meterd:
 * conformance tables of requests and the AWS errors they must get.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KEYS, startMeterd, type Meterd } from './helpers/meterd.js';
import { rawCall, type RawAnswer, type RawCall } from './helpers/sign.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISMATCH =
  /^The request signature we calculated does not match the signature you provided\. /;
const INVALID_TOKEN = /^The security token included in the request is invalid\.$/;

let meterd: Meterd;
let insecure: Meterd;

before(async () => {
  [meterd, insecure] = await Promise.all([
    startMeterd(),
    startMeterd({ args: ['--insecure-skip-signature-verification'] }),
  ]);
});
after(() => Promise.all([meterd.stop(), insecure.stop()]));

/** Every answer carries a request id; every error is AWS-shaped. */
function assertAwsError(answer: RawAnswer, status: number, type: string, message?: RegExp) {
  assert.equal(answer.status, status, `status of ${answer.text}`);
  assert.match(answer.headers.get('x-amzn-requestid') ?? '', UUID);
  assert.equal(answer.headers.get('x-amzn-errortype'), type);
  assert.equal(answer.headers.get('content-type'), 'application/x-amz-json-1.1');
  assert.deepEqual(Object.keys(answer.json ?? {}).sort(), ['__type', 'message'], answer.text);
  assert.equal(answer.json!.__type, type);
  assert.equal(typeof answer.json!.message, 'string');
  if (message) assert.match(answer.json!.message as string, message);
}

const emptyBatch = JSON.stringify({ ProductCode: 'acme-saas', UsageRecords: [] });
const now = () => Math.floor(Date.now() / 1000) - 60;
const batchWith = (record: Record<string, unknown>) =>
  JSON.stringify({
    ProductCode: 'acme-saas',
    UsageRecords: [
      {
        Timestamp: now(),
        CustomerAWSAccountId: '222222222222',
        Dimension: 'requests',
        Quantity: 1,
        ...record,
      },
    ],
  });

describe('AWS JSON 1.1 framing', () => {
  const signed = (call: RawCall): RawCall => ({ credentials: KEYS.acme, ...call });

  it('answers a well-formed call with 200, the JSON content type and a request id', async () => {
    const answer = await rawCall(meterd.url, signed({ body: emptyBatch }));
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.headers.get('x-amzn-requestid') ?? '', UUID);
    assert.equal(answer.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.equal(answer.headers.get('x-amzn-errortype'), null);
    assert.deepEqual(answer.json, { Results: [], UnprocessedRecords: [] });
  });

  it('gives each response its own request id', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () =>
        (await rawCall(meterd.url, signed({ body: emptyBatch }))).headers.get('x-amzn-requestid'),
      ),
    );
    assert.equal(new Set(ids).size, 3);
  });

  // [what, request, status, error type, message]
  const cases: Array<[string, RawCall, number, string, RegExp?]> = [
    ['malformed JSON', { body: '{"UsageRecords": [' }, 400, 'SerializationException'],
    ['a JSON array as the body', { body: '[]' }, 400, 'SerializationException'],
    ['a JSON string as the body', { body: '"x"' }, 400, 'SerializationException'],
    [
      'a string Timestamp',
      { body: batchWith({ Timestamp: '2026-01-01T00:00:00Z' }) },
      400,
      'SerializationException',
    ],
    ['a float Quantity', { body: batchWith({ Quantity: 1.5 }) }, 400, 'SerializationException'],
    ['a string Quantity', { body: batchWith({ Quantity: '1' }) }, 400, 'SerializationException'],
    [
      'an object where a list belongs',
      { body: JSON.stringify({ ProductCode: 'acme-saas', UsageRecords: {} }) },
      400,
      'SerializationException',
    ],
    [
      'a number where a string belongs',
      { body: JSON.stringify({ ProductCode: 7, UsageRecords: [] }) },
      400,
      'SerializationException',
    ],
    [
      'a list where a structure belongs',
      { body: JSON.stringify({ ProductCode: 'acme-saas', UsageRecords: [[]] }) },
      400,
      'SerializationException',
    ],
    [
      'invalid UTF-8',
      {
        body: Buffer.concat([
          Buffer.from('{"ProductCode": "acme-'),
          Buffer.from([0xc3, 0x28, 0xff]),
          Buffer.from('", "UsageRecords": []}'),
        ]),
      },
      400,
      'SerializationException',
      /UTF-8/,
    ],
    [
      'a body over 1 MB',
      {
        body: JSON.stringify({
          ProductCode: 'acme-saas',
          UsageRecords: [],
          Pad: 'x'.repeat(1 << 20),
        }),
      },
      413,
      'RequestEntityTooLargeException',
    ],
    [
      'an unknown operation',
      { operation: 'GetUsage', body: '{}' },
      400,
      'UnknownOperationException',
    ],
    [
      'another service',
      { target: 'DynamoDB_20120810.BatchMeterUsage', body: emptyBatch },
      400,
      'UnknownOperationException',
    ],
    [
      'a target with no operation',
      { target: 'AWSMPMeteringService', body: '{}' },
      400,
      'UnknownOperationException',
    ],
    ['no X-Amz-Target', { operation: null, body: emptyBatch }, 400, 'UnknownOperationException'],
    [
      'a text/plain body',
      { contentType: 'text/plain', body: emptyBatch },
      415,
      'UnsupportedMediaTypeException',
    ],
    [
      'no content type',
      { contentType: null, body: Buffer.from(emptyBatch) },
      415,
      'UnsupportedMediaTypeException',
      /^Unsupported Media Type: ''/,
    ],
    [
      'a form body',
      { contentType: 'application/x-www-form-urlencoded', body: 'a=b' },
      415,
      'UnsupportedMediaTypeException',
    ],
    [
      'an empty BatchMeterUsage body',
      { body: '' },
      400,
      'ValidationException',
      /^1 validation error detected: Value null at 'usageRecords' failed to satisfy constraint: Member must not be null$/,
    ],
    [
      'an empty ResolveCustomer body',
      { operation: 'ResolveCustomer', body: '' },
      400,
      'ValidationException',
      /^1 validation error detected: Value null at 'registrationToken' failed to satisfy constraint: Member must not be null$/,
    ],
    [
      'a {} MeterUsage body',
      { operation: 'MeterUsage', body: '{}', credentials: KEYS.globex },
      400,
      'ValidationException',
      /^3 validation errors detected: Value null at 'productCode' failed to satisfy constraint: Member must not be null; Value null at 'timestamp' .*; Value null at 'usageDimension' .*$/,
    ],
  ];
  for (const [what, call, status, type, message] of cases)
    it(`answers ${what} with ${status} ${type}`, async () => {
      assertAwsError(await rawCall(meterd.url, signed(call)), status, type, message);
    });

  it('treats a whitespace-only body as {}', async () => {
    // A whitespace-only body is empty too: same validation answer as no body at all.
    const answer = await rawCall(meterd.url, signed({ body: '  \n' }));
    assertAwsError(answer, 400, 'ValidationException', /Value null at 'usageRecords'/);
  });

  // Requests that never reach the metering endpoint: [what, method, path, body, error type].
  const stray: Array<[string, string, string, string | undefined, string]> = [
    ['GET /', 'GET', '/', undefined, 'UnknownOperationException'],
    ['PUT /', 'PUT', '/', '{}', 'UnknownOperationException'],
    ['GET of an unknown path', 'GET', '/no/such/path', undefined, 'UnknownOperationException'],
    ['POST to an unknown path', 'POST', '/2016-01-14/meter', '{}', 'UnknownOperationException'],
    ['malformed JSON to an unknown path', 'POST', '/x', '{"a":', 'SerializationException'],
  ];
  for (const [what, method, path, body, type] of stray)
    it(`answers ${what} with an AWS-shaped 4xx`, async () => {
      const response = await fetch(`${meterd.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.text();
      const answer = {
        status: response.status,
        headers: response.headers,
        text,
        json: JSON.parse(text),
      };
      assert.ok(answer.status >= 400 && answer.status < 500, `status ${answer.status}`);
      assertAwsError(answer, answer.status, type);
    });

  // What Fastify refuses before any handler, outside the admin API: [what, method, path,
  // content type, body, status, error type]. Fastify's own codes never reach the caller.
  const refused: Array<[string, string, string, string | null, string | null, number, string]> = [
    [
      'an empty JSON body to an unknown path',
      'POST',
      '/x',
      'application/json',
      '',
      400,
      'SerializationException',
    ],
    [
      'invalid JSON to /healthz',
      'POST',
      '/healthz',
      'application/json',
      '{"a":',
      400,
      'SerializationException',
    ],
    [
      'an over-large body to an unknown path',
      'POST',
      '/x',
      'application/json',
      JSON.stringify({ pad: 'x'.repeat(1 << 20) }),
      413,
      'RequestEntityTooLargeException',
    ],
    [
      'a content type that does not parse to /',
      'POST',
      '/',
      ';;;',
      '{}',
      415,
      'UnsupportedMediaTypeException',
    ],
    [
      'an XML body to an unknown path',
      'POST',
      '/x',
      'application/xml',
      '<a/>',
      404,
      'UnknownOperationException',
    ],
    ['a wrong method to /', 'DELETE', '/', null, null, 404, 'UnknownOperationException'],
    [
      'a wrong method to /healthz',
      'POST',
      '/healthz',
      null,
      null,
      404,
      'UnknownOperationException',
    ],
    ['a URL that cannot be decoded', 'POST', '/%zz', null, null, 400, 'SerializationException'],
  ];
  for (const [what, method, path, contentType, body, status, type] of refused)
    it(`answers ${what} with ${status} ${type}, never with Fastify's codes`, async () => {
      const response = await fetch(`${meterd.url}${path}`, {
        method,
        ...(contentType === null ? {} : { headers: { 'content-type': contentType } }),
        ...(body === null ? {} : { body }),
      });
      const text = await response.text();
      assert.doesNotMatch(text, /FST_/);
      assertAwsError(
        { status: response.status, headers: response.headers, text, json: JSON.parse(text) },
        status,
        type,
      );
    });

  it('puts a request id on /healthz and /metrics too', async () => {
    for (const path of ['/healthz', '/metrics']) {
      const response = await fetch(`${meterd.url}${path}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('x-amzn-requestid') ?? '', UUID, path);
      await response.arrayBuffer();
    }
  });
});

describe('SigV4', () => {
  const old = () => new Date(Date.now() - 20 * 60_000);
  const ahead = () => new Date(Date.now() + 20 * 60_000);

  // [what, request, error type, message]
  const cases: Array<[string, () => RawCall, string, RegExp?]> = [
    [
      'no Authorization header',
      () => ({ unsigned: true }),
      'MissingAuthenticationTokenException',
      /^Request is missing Authentication Token$/,
    ],
    [
      'another authorization scheme',
      () => ({
        credentials: KEYS.acme,
        after: (r) => (r.headers.authorization = 'Bearer abc'),
      }),
      'IncompleteSignatureException',
    ],
    [
      'no Signature',
      () => ({
        credentials: KEYS.acme,
        after: (r) =>
          (r.headers.authorization = r.headers.authorization!.replace(/, Signature=.*/, '')),
      }),
      'IncompleteSignatureException',
    ],
    [
      'a credential with too few parts',
      () => ({
        credentials: KEYS.acme,
        after: (r) =>
          (r.headers.authorization = r.headers.authorization!.replace(
            /Credential=[^,]+/,
            'Credential=AKIAACMESELLER000001/us-east-1/aws4_request',
          )),
      }),
      'IncompleteSignatureException',
    ],
    [
      'no X-Amz-Date',
      () => ({ credentials: KEYS.acme, after: (r) => delete r.headers['x-amz-date'] }),
      'IncompleteSignatureException',
    ],
    [
      'an unknown access key',
      () => ({
        credentials: { accessKeyId: 'AKIANOBODY0000000001', secretAccessKey: 'whatever-secret' },
      }),
      'UnrecognizedClientException',
      INVALID_TOKEN,
    ],
    [
      'the wrong secret',
      () => ({ credentials: { ...KEYS.acme, secretAccessKey: 'not-the-secret' } }),
      'InvalidSignatureException',
      MISMATCH,
    ],
    [
      'a body changed after signing',
      () => ({
        credentials: KEYS.acme,
        after: (r) => (r.body = emptyBatch.replace('acme-saas', 'acme-saas-2')),
      }),
      'InvalidSignatureException',
      MISMATCH,
    ],
    [
      'a body changed after signing, without a payload hash header',
      () => ({
        credentials: KEYS.acme,
        after: (r) => {
          delete r.headers['x-amz-content-sha256'];
          r.body = emptyBatch.replace('acme-saas', 'acme-saas-2');
        },
      }),
      'InvalidSignatureException',
      MISMATCH,
    ],
    [
      'a target changed after signing',
      () => ({
        credentials: KEYS.acme,
        after: (r) => (r.headers['x-amz-target'] = 'AWSMPMeteringService.MeterUsage'),
      }),
      'InvalidSignatureException',
      MISMATCH,
    ],
    [
      'a date 20 minutes old',
      () => ({ credentials: KEYS.acme, signingDate: old() }),
      'InvalidSignatureException',
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    ],
    [
      // AWS words the future case differently: "not yet current ... is still later than".
      'a date 20 minutes ahead',
      () => ({ credentials: KEYS.acme, signingDate: ahead() }),
      'InvalidSignatureException',
      /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/,
    ],
    [
      'another service in the scope',
      () => ({ credentials: KEYS.acme, service: 'execute-api' }),
      'InvalidSignatureException',
      /scoped to correct service: 'aws-marketplace'/,
    ],
    [
      'another region in the scope',
      () => ({ credentials: KEYS.acme, region: 'eu-west-1' }),
      'InvalidSignatureException',
      /scoped to a valid region, not 'eu-west-1'/,
    ],
    [
      'host not signed',
      () => ({ credentials: KEYS.acme, unsignedHost: true }),
      'InvalidSignatureException',
      /'Host' or ':authority' must be a 'SignedHeader'/,
    ],
    [
      'temporary credentials without their session token',
      () => ({
        credentials: {
          accessKeyId: KEYS.globexTask.accessKeyId,
          secretAccessKey: KEYS.globexTask.secretAccessKey,
        },
      }),
      'UnrecognizedClientException',
      INVALID_TOKEN,
    ],
    [
      'temporary credentials with the wrong session token',
      () => ({ credentials: { ...KEYS.globexTask, sessionToken: 'stolen-or-stale' } }),
      'UnrecognizedClientException',
      INVALID_TOKEN,
    ],
    [
      'long-term credentials with a session token',
      () => ({ credentials: { ...KEYS.acme, sessionToken: 'made-up' } }),
      'UnrecognizedClientException',
      INVALID_TOKEN,
    ],
  ];
  for (const [what, call, type, message] of cases)
    it(`refuses ${what} with ${type}`, async () => {
      const answer = await rawCall(meterd.url, { body: emptyBatch, ...call() });
      assertAwsError(answer, 400, type, message);
    });

  it('accepts temporary credentials with their session token', async () => {
    const answer = await rawCall(meterd.url, {
      credentials: KEYS.globexTask,
      operation: 'ResolveCustomer',
      body: JSON.stringify({ RegistrationToken: 'nope' }),
    });
    // Authenticated: the answer is the operation's own.
    assertAwsError(answer, 400, 'InvalidTokenException');
  });

  it('accepts a signature without x-amz-content-sha256, as botocore signs', async () => {
    const answer = await rawCall(meterd.url, {
      credentials: KEYS.acme,
      body: emptyBatch,
      payloadHashHeader: false,
    });
    assert.equal(answer.status, 200, answer.text);
  });

  it('accepts a date 10 minutes off either way', async () => {
    for (const minutes of [-10, 10]) {
      const answer = await rawCall(meterd.url, {
        credentials: KEYS.acme,
        body: emptyBatch,
        signingDate: new Date(Date.now() + minutes * 60_000),
      });
      assert.equal(answer.status, 200, answer.text);
    }
  });
});

describe('--insecure-skip-signature-verification', () => {
  it('warns loudly at start', () => {
    const warning = insecure
      .output()
      .split('\n')
      .find((line) => line.includes('SIGNATURE VERIFICATION IS OFF'));
    assert.ok(warning, insecure.output());
    assert.equal(JSON.parse(warning).level, 40, 'logged at warn level');
    assert.doesNotMatch(meterd.output(), /SIGNATURE VERIFICATION IS OFF/);
  });

  it('accepts a bad signature from a known key', async () => {
    const answer = await rawCall(insecure.url, {
      credentials: { ...KEYS.acme, secretAccessKey: 'not-the-secret' },
      body: emptyBatch,
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { Results: [], UnprocessedRecords: [] });
  });

  it('still refuses an unknown key and a missing Authorization header', async () => {
    assertAwsError(
      await rawCall(insecure.url, {
        credentials: { accessKeyId: 'AKIANOBODY0000000001', secretAccessKey: 'whatever-secret' },
        body: emptyBatch,
      }),
      400,
      'UnrecognizedClientException',
      INVALID_TOKEN,
    );
    assertAwsError(
      await rawCall(insecure.url, { unsigned: true, body: emptyBatch }),
      400,
      'MissingAuthenticationTokenException',
    );
  });

  it('still authorizes by the key: a buyer cannot meter a seller product', async () => {
    const answer = await rawCall(insecure.url, {
      credentials: { ...KEYS.globex, secretAccessKey: 'not-the-secret' },
      body: emptyBatch,
    });
    // An empty batch names no customer, yet the product is still checked against the caller.
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.json!.__type, 'InvalidProductCodeException');
  });
});
