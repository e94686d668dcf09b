import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import type { Credentials } from '../credentials/credentials.js';
import { createSigner } from './sign-request.js';

// Expected values computed with @smithy/signature-v4 (the signer of the AWS SDK for
// JavaScript) for the same request, credentials and clock.
const CLOCK = Date.parse('2026-11-23T01:02:03Z');
const KEYS: Credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const HEADERS = 'content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target';
const EMPTY_OBJECT_SHA = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

const cases: {
  name: string;
  url: string;
  region: string;
  credentials: Credentials;
  operation: string;
  body: string;
  sha: string;
  authorization: string;
}[] = [
  {
    name: 'local endpoint, static keys',
    url: 'http://127.0.0.1:9400/',
    region: 'us-east-1',
    credentials: {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    },
    operation: 'ResolveCustomer',
    body: '{"RegistrationToken":"t"}',
    sha: '5c43b4b454698f1f85e364a8c41705e8d02f18348a3ffd4ac53572479b4cd30f',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/aws-marketplace/aws4_request, SignedHeaders=${HEADERS}, Signature=f8fe9779f9830305569b6f02e344828c85475faaadf7c8acefb3bc5455b247b3`,
  },
  {
    name: 'AWS endpoint, session token',
    url: 'https://metering.marketplace.us-west-2.amazonaws.com/',
    region: 'us-west-2',
    credentials: {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session/token+=',
    },
    operation: 'MeterUsage',
    body: '{"ProductCode":"p","Timestamp":1795395723,"UsageDimension":"hours","UsageQuantity":1}',
    sha: 'acaac09bff3b460aba29b7230b69b7e4c10df09ed5c94d52db38448ae64d7888',
    authorization:
      'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261123/us-west-2/aws-marketplace/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target, Signature=0698eb0bcc4291e3e2e40cb4ae38fe374d089f1102d8200b87679e851958dcf6',
  },
  {
    name: 'endpoint with a path',
    url: 'http://meterd.internal:8080/meterd/v1/',
    region: 'eu-west-1',
    credentials: KEYS,
    operation: 'RegisterUsage',
    body: '{}',
    sha: EMPTY_OBJECT_SHA,
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/eu-west-1/aws-marketplace/aws4_request, SignedHeaders=${HEADERS}, Signature=6d2e1b41f6b05dd58a54c30d159946e4764baed4d9d1ef425ff6fb9a47b21fa7`,
  },
  {
    name: 'path with encoded and reserved characters',
    url: "http://h/a%20b/c%2Fd/%5Bx%5D!'()*/",
    region: 'us-east-1',
    credentials: KEYS,
    operation: 'RegisterUsage',
    body: '{}',
    sha: EMPTY_OBJECT_SHA,
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/aws-marketplace/aws4_request, SignedHeaders=${HEADERS}, Signature=52f33fa9960e58c203ccb5cd73458480927cf8bd82e2ed717134c3a843b79d5b`,
  },
  {
    name: 'endpoint with a query',
    url: 'http://h/?b=2&a=x%20y',
    region: 'us-east-1',
    credentials: KEYS,
    operation: 'RegisterUsage',
    body: '{}',
    sha: EMPTY_OBJECT_SHA,
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/us-east-1/aws-marketplace/aws4_request, SignedHeaders=${HEADERS}, Signature=cce0a47b43c8945b674d174ec266658edb95b7fcd14a5c63e64e988829c36e8a`,
  },
  {
    name: 'non-ASCII body',
    url: 'http://h/',
    region: 'ap-southeast-2',
    credentials: KEYS,
    operation: 'RegisterUsage',
    body: '{"Nonce":"näive ✓"}',
    sha: 'aaca4c099c1b08680c1bf9583844c8b9fca86900a68fa320c1065d6f031ebaba',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261123/ap-southeast-2/aws-marketplace/aws4_request, SignedHeaders=${HEADERS}, Signature=2bc8c5e86a381793cb971919500e4561491d7e208381666c10d179e5085f32e7`,
  },
];

before(() => mock.timers.enable({ apis: ['Date'], now: CLOCK }));
after(() => mock.timers.reset());

describe('createSigner signs as the AWS SDK for JavaScript does', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const url = new URL(c.url);
      const headers = {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSMPMeteringService.${c.operation}`,
        'content-length': String(Buffer.byteLength(c.body)),
        host: url.host,
        'user-agent': 'meterd-client/test',
      };
      const signed = await createSigner(c.region)({ url, headers, body: c.body }, c.credentials);
      assert.equal(signed.authorization, c.authorization);
      assert.equal(signed['x-amz-content-sha256'], c.sha);
      assert.equal(signed['x-amz-date'], '20261123T010203Z');
      assert.equal(signed['x-amz-security-token'], c.credentials.sessionToken);
      assert.deepEqual(
        Object.keys(signed).filter((k) => k !== k.toLowerCase()),
        [],
        'header names are lower-case',
      );
      assert.equal(signed['user-agent'], 'meterd-client/test', 'other headers are kept');
    });
  }
});
