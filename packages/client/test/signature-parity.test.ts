import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';
import { marketplacemetering, type MarketplaceMeteringClient as Client } from '../src/index.js';
import {
  startFakeEndpoint,
  type FakeEndpoint,
  type RecordedRequest,
} from './support/fake-endpoint.js';
import { callClient, sendWithSdk, type Operation } from './support/operations.js';
import { editSdkHeaders } from './support/sdk-headers.js';

// The official SDK adds telemetry headers of its own (a random invocation id, the attempt
// counter, its user agent) and signs them; they carry nothing of the protocol. The test takes
// them out before the SDK signs, so that both clients sign the same request and the two
// Authorization headers must then be byte-for-byte equal.
const SDK_ONLY_HEADERS = ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent'];
const CLOCK = Date.parse('2026-11-23T01:02:03Z');
const credentials = {
  accessKeyId: 'AKIAPARITY0000000001',
  secretAccessKey: 'parity-secret',
  sessionToken: 'parity-session',
};

const cases: { op: Operation; input: Record<string, unknown> }[] = [
  {
    op: 'BatchMeterUsage',
    input: {
      ProductCode: 'acme-saas',
      UsageRecords: [
        {
          Dimension: 'requests',
          Quantity: 7,
          Timestamp: new Date('2026-11-23T00:00:00.250Z'),
          CustomerIdentifier: 'globex-on-acme',
          UsageAllocations: [
            { AllocatedUsageQuantity: 7, Tags: [{ Key: 'team', Value: 'a b/c@d' }] },
          ],
        },
        {
          Timestamp: new Date('2026-11-23T00:00:00Z'),
          Dimension: 'storage_gb',
          CustomerAWSAccountId: '222222222222',
          LicenseArn: 'arn:aws:license-manager::222222222222:license:l-1',
        },
      ],
    },
  },
  {
    op: 'MeterUsage',
    input: {
      ProductCode: 'acme-ami',
      Timestamp: new Date(CLOCK),
      UsageDimension: 'hours',
      UsageQuantity: 1,
      DryRun: false,
      ClientToken: 'f1b0d1c2-0000-4000-8000-000000000001',
    },
  },
  {
    op: 'RegisterUsage',
    input: { ProductCode: 'acme-container', PublicKeyVersion: 1, Nonce: 'näive ✓ nonce' },
  },
  { op: 'ResolveCustomer', input: { RegistrationToken: 'token+with/chars==' } },
];

let fake: FakeEndpoint;
let ours: Client;
let sdk: MarketplaceMeteringClient;
let rawSdk: MarketplaceMeteringClient;

before(async () => {
  // The Date header follows the fixed clock: the SDK would otherwise correct its clock by the
  // difference and sign later requests with another time.
  fake = await startFakeEndpoint(() => ({
    status: 200,
    body: {},
    headers: { date: new Date().toUTCString() },
  }));
  mock.timers.enable({ apis: ['Date'], now: CLOCK });
  ours = marketplacemetering({
    region: 'us-east-1',
    endpoint: fake.url,
    credentials: {
      creds: {
        access_key_id: credentials.accessKeyId,
        secret_access_key: credentials.secretAccessKey,
        session_token: credentials.sessionToken,
      },
    },
  });
  const sdkConfig = { region: 'us-east-1', endpoint: fake.url, credentials };
  sdk = new MarketplaceMeteringClient(sdkConfig);
  editSdkHeaders(sdk, 'before', 'dropSdkTelemetryHeaders', (headers) => {
    for (const h of SDK_ONLY_HEADERS) delete headers[h];
  });
  rawSdk = new MarketplaceMeteringClient(sdkConfig);
});
after(async () => {
  mock.timers.reset();
  ours.destroy();
  sdk.destroy();
  rawSdk.destroy();
  await fake.close();
});

async function capture(send: () => Promise<unknown>): Promise<RecordedRequest> {
  const before = fake.requests.length;
  await send();
  assert.equal(fake.requests.length, before + 1);
  return fake.requests.at(-1)!;
}

const signedHeaders = (r: RecordedRequest) =>
  /SignedHeaders=([^,]+)/.exec(r.headers.authorization ?? '')![1]!.split(';');

describe('the signed request matches the official SDK for the same input, credentials and clock', () => {
  for (const c of cases) {
    test(c.op, async () => {
      const mine = await capture(() => callClient(ours, c.op, c.input));
      const theirs = await capture(() => sendWithSdk(sdk, c.op, c.input));
      assert.equal(mine.method, 'POST');
      assert.equal(mine.method, theirs.method);
      assert.equal(mine.url, theirs.url);
      assert.equal(mine.body, theirs.body, 'same body, byte for byte');
      assert.deepEqual(signedHeaders(mine), signedHeaders(theirs));
      assert.deepEqual(signedHeaders(mine), [
        'content-length',
        'content-type',
        'host',
        'x-amz-content-sha256',
        'x-amz-date',
        'x-amz-security-token',
        'x-amz-target',
      ]);
      for (const h of signedHeaders(mine)) assert.equal(mine.headers[h], theirs.headers[h], h);
      assert.equal(mine.headers['x-amz-date'], '20261123T010203Z');
      assert.equal(mine.headers.authorization, theirs.headers.authorization, 'same signature');
      assert.match(
        mine.headers.authorization!,
        /^AWS4-HMAC-SHA256 Credential=AKIAPARITY0000000001\/20261123\/us-east-1\/aws-marketplace\/aws4_request, /,
      );
    });
  }

  test('against the unmodified SDK: same headers apart from its telemetry ones and the signature over them', async () => {
    const c = cases[3]!;
    const mine = await capture(() => callClient(ours, c.op, c.input));
    const theirs = await capture(() => sendWithSdk(rawSdk, c.op, c.input));
    assert.equal(mine.body, theirs.body);
    const extra = signedHeaders(theirs).filter((h) => !signedHeaders(mine).includes(h));
    assert.deepEqual(extra, SDK_ONLY_HEADERS.slice().sort());
    for (const h of signedHeaders(mine)) assert.equal(mine.headers[h], theirs.headers[h], h);
  });
});
