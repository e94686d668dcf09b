import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering';
import * as client from '../src/index.js';
import { BUYER, SELLER, startMeterd, type Meterd } from './support/meterd-server.js';
import { callClient, sendWithSdk, type Operation } from './support/operations.js';
import { editSdkHeaders } from './support/sdk-headers.js';

// Every case runs through the official SDK and through @meterd/client against the same meterd,
// with the same keys; the two outcomes (output, or error name, message, fault and status) must
// be equal, and must be the outcome the case expects.

type Keys = { accessKeyId: string; secretAccessKey: string };

interface Case {
  name: string;
  op: Operation;
  keys: Keys | 'anonymous';
  region?: string;
  input: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** `ok`, or the error name both clients must report. */
  expect: string;
  /** Further checks of the (shared) outcome. */
  check?: (outcome: Outcome) => void;
}

type Outcome =
  | { ok: Record<string, unknown>; status: number }
  | { error: { name: string; message: string; fault: string; status: number | undefined } };

const HOUR = 3600_000;
const thisHour = new Date(Math.floor(Date.now() / HOUR) * HOUR);
const lastHour = new Date(thisHour.getTime() - HOUR);
const sevenHoursAgo = new Date(Date.now() - 7 * HOUR);
const STRANGER = { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: 'whatever' };
const WRONG_SECRET = { accessKeyId: SELLER.accessKeyId, secretAccessKey: 'not-the-secret' };

let meterd: Meterd;
let token = '';
const record = (extra: Record<string, unknown> = {}) => ({
  Timestamp: lastHour,
  CustomerIdentifier: 'globex-on-acme',
  Dimension: 'requests',
  Quantity: 5,
  ...extra,
});

const allocation = (quantity: number, team: string) => ({
  AllocatedUsageQuantity: quantity,
  Tags: [{ Key: 'team', Value: team }],
});

/** Input of a BatchMeterUsage call for acme-saas with the given records. */
const batch =
  (...records: Record<string, unknown>[]) =>
  () => ({ ProductCode: 'acme-saas', UsageRecords: records });

const ok = (o: Outcome) => {
  assert.ok('ok' in o, JSON.stringify(o));
  return o.ok;
};

const cases: Case[] = [
  // BatchMeterUsage, with the seller's keys
  {
    name: 'records for a subscribed customer are honoured',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: () => ({
      ProductCode: 'acme-saas',
      UsageRecords: [record(), record({ Dimension: 'storage_gb', Quantity: 0 })],
    }),
    expect: 'ok',
    check: (o) => {
      const out = ok(o) as {
        Results: { Status: string; MeteringRecordId: string; UsageRecord: { Timestamp: Date } }[];
        UnprocessedRecords: unknown[];
      };
      assert.deepEqual(
        out.Results.map((r) => r.Status),
        ['Success', 'Success'],
      );
      assert.ok(out.Results.every((r) => r.MeteringRecordId));
      assert.deepEqual(
        out.Results[0]!.UsageRecord.Timestamp,
        lastHour,
        'timestamps come back as Dates',
      );
      assert.deepEqual(out.UnprocessedRecords, []);
    },
  },
  {
    name: 'the same hour with another quantity is a DuplicateRecord',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: batch(record({ Quantity: 6 })),
    expect: 'ok',
    check: (o) =>
      assert.equal(
        (ok(o) as { Results: { Status: string }[] }).Results[0]!.Status,
        'DuplicateRecord',
      ),
  },
  {
    name: 'an unknown customer is CustomerNotSubscribed',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: batch(record({ CustomerIdentifier: 'nobody' })),
    expect: 'ok',
    check: (o) =>
      assert.equal(
        (ok(o) as { Results: { Status: string }[] }).Results[0]!.Status,
        'CustomerNotSubscribed',
      ),
  },
  {
    name: 'a record by account ID and licence',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: async () => {
      // Usage from before the licence was granted is refused: this record is for just after.
      const { LicenseArn, grantedAt } = await resolved();
      return {
        UsageRecords: [
          {
            Timestamp: grantedAt,
            CustomerAWSAccountId: '222222222222',
            LicenseArn,
            Dimension: 'storage_gb',
            Quantity: 2,
          },
        ],
      };
    },
    expect: 'ok',
  },
  {
    name: 'an empty batch',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: () => ({ ProductCode: 'acme-saas', UsageRecords: [] }),
    expect: 'ok',
  },
  {
    name: 'another seller’s product code',
    op: 'BatchMeterUsage',
    keys: BUYER,
    input: batch(record()),
    expect: 'InvalidProductCodeException',
  },
  {
    name: 'an unknown product code',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: () => ({ ProductCode: 'no-such-product', UsageRecords: [record()] }),
    expect: 'InvalidProductCodeException',
  },
  {
    name: 'a dimension the product lacks',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: batch(record({ Dimension: 'hours' })),
    expect: 'InvalidUsageDimensionException',
  },
  {
    name: 'a record seven hours old',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: batch(record({ Timestamp: sevenHoursAgo })),
    expect: 'TimestampOutOfBoundsException',
  },
  {
    name: 'allocations that do not add up',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: batch(record({ UsageAllocations: [allocation(1, 'a')] })),
    expect: 'InvalidUsageAllocationsException',
  },
  {
    name: 'a tag with a forbidden character',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: batch(record({ UsageAllocations: [allocation(5, 'a*b')] })),
    expect: 'InvalidTagException',
  },
  {
    name: '26 records',
    op: 'BatchMeterUsage',
    keys: SELLER,
    input: batch(...Array.from({ length: 26 }, () => record())),
    expect: 'ValidationException',
  },

  // MeterUsage, with the buyer's keys
  {
    name: 'an hourly record',
    op: 'MeterUsage',
    keys: BUYER,
    input: () => ({
      ProductCode: 'acme-ami',
      Timestamp: new Date(thisHour.getTime() + 60_000),
      UsageDimension: 'hours',
      UsageQuantity: 1,
    }),
    expect: 'ok',
    check: (o) => assert.ok((ok(o) as { MeteringRecordId?: string }).MeteringRecordId),
  },
  {
    name: 'the same hour with another quantity',
    op: 'MeterUsage',
    keys: BUYER,
    input: () => ({
      ProductCode: 'acme-ami',
      Timestamp: thisHour,
      UsageDimension: 'hours',
      UsageQuantity: 2,
    }),
    expect: 'DuplicateRequestException',
  },
  {
    name: 'a dry run',
    op: 'MeterUsage',
    keys: BUYER,
    input: () => ({
      ProductCode: 'acme-ami',
      Timestamp: thisHour,
      UsageDimension: 'hours',
      DryRun: true,
    }),
    expect: 'DryRunOperation',
  },
  {
    name: 'an unknown dimension',
    op: 'MeterUsage',
    keys: BUYER,
    input: () => ({ ProductCode: 'acme-ami', Timestamp: thisHour, UsageDimension: 'vcpu' }),
    expect: 'InvalidUsageDimensionException',
  },
  {
    name: 'no agreement (the seller as a buyer)',
    op: 'MeterUsage',
    keys: SELLER,
    input: () => ({ ProductCode: 'acme-ami', Timestamp: thisHour, UsageDimension: 'hours' }),
    expect: 'CustomerNotEntitledException',
  },
  {
    name: 'a missing required member',
    op: 'MeterUsage',
    keys: BUYER,
    input: () => ({ ProductCode: 'acme-ami', Timestamp: thisHour }),
    expect: 'ValidationException',
  },
  {
    name: 'a ClientToken over 64 characters',
    op: 'MeterUsage',
    keys: BUYER,
    input: () => ({
      ProductCode: 'acme-ami',
      Timestamp: thisHour,
      UsageDimension: 'hours',
      ClientToken: 'x'.repeat(65),
    }),
    expect: 'ValidationException',
  },

  {
    name: 'signed for another region',
    op: 'MeterUsage',
    keys: BUYER,
    region: 'eu-west-1',
    input: () => ({ ProductCode: 'acme-ami', Timestamp: thisHour, UsageDimension: 'hours' }),
    expect: 'InvalidSignatureException',
  },

  // RegisterUsage, with the buyer's keys
  {
    name: 'a container registers',
    op: 'RegisterUsage',
    keys: BUYER,
    input: () => ({ ProductCode: 'acme-container', PublicKeyVersion: 1, Nonce: 'pod-1' }),
    expect: 'ok',
    check: (o) => {
      const { Signature } = ok(o) as {
        Signature: { header: Record<string, unknown>; payload: Record<string, unknown> };
      };
      assert.deepEqual(Signature.header, { alg: 'PS256', typ: 'JWT' });
      assert.equal(Signature.payload.productCode, 'acme-container');
      assert.equal(Signature.payload.nonce, 'pod-1');
    },
  },
  {
    name: 'an unknown public key version',
    op: 'RegisterUsage',
    keys: BUYER,
    input: () => ({ ProductCode: 'acme-container', PublicKeyVersion: 99 }),
    expect: 'InvalidPublicKeyVersionException',
  },
  {
    name: 'no agreement',
    op: 'RegisterUsage',
    keys: SELLER,
    input: () => ({ ProductCode: 'acme-container', PublicKeyVersion: 1 }),
    expect: 'CustomerNotEntitledException',
  },

  // ResolveCustomer, with the seller's keys
  {
    name: 'a fresh registration token',
    op: 'ResolveCustomer',
    keys: SELLER,
    input: () => ({ RegistrationToken: token }),
    expect: 'ok',
    check: (o) => {
      const out = ok(o);
      assert.equal(out.CustomerIdentifier, 'globex-on-acme');
      assert.equal(out.CustomerAWSAccountId, '222222222222');
      assert.equal(out.ProductCode, 'acme-saas');
      assert.match(String(out.LicenseArn), /^arn:aws:license-manager::222222222222:license:l-/);
    },
  },
  {
    name: 'a made-up token',
    op: 'ResolveCustomer',
    keys: SELLER,
    input: () => ({ RegistrationToken: 'not-a-token' }),
    expect: 'InvalidTokenException',
  },
  {
    name: 'another account’s token',
    op: 'ResolveCustomer',
    keys: BUYER,
    input: () => ({ RegistrationToken: token }),
    expect: 'InvalidTokenException',
  },

  // Authentication, on every operation
  ...(['BatchMeterUsage', 'MeterUsage', 'RegisterUsage', 'ResolveCustomer'] as const).flatMap(
    (op): Case[] => [
      {
        name: 'an unknown access key',
        op,
        keys: STRANGER,
        input: () => ({ RegistrationToken: 't', ProductCode: 'acme-saas', UsageRecords: [] }),
        expect: 'UnrecognizedClientException',
      },
      {
        name: 'a wrong secret',
        op,
        keys: WRONG_SECRET,
        input: () => ({ RegistrationToken: 't', ProductCode: 'acme-saas', UsageRecords: [] }),
        expect: 'InvalidSignatureException',
      },
      {
        name: 'no signature',
        op,
        keys: 'anonymous',
        input: () => ({ RegistrationToken: 't', ProductCode: 'acme-saas', UsageRecords: [] }),
        expect: 'MissingAuthenticationTokenException',
      },
    ],
  ),
];

/** Resolves a fresh token once, for its licence ARN and a moment just after the licence was granted. */
let resolvedCache: Promise<{ LicenseArn: string; grantedAt: Date }> | undefined;
function resolved(): Promise<{ LicenseArn: string; grantedAt: Date }> {
  resolvedCache ??= (async () => {
    const t = await meterd.mintRegistrationToken('acme-saas', '222222222222');
    const svc = client.marketplacemetering({
      region: 'us-east-1',
      endpoint: meterd.url,
      credentials: {
        creds: { access_key_id: SELLER.accessKeyId, secret_access_key: SELLER.secretAccessKey },
      },
    });
    const out = await svc.resolveCustomer({ RegistrationToken: t });
    return { LicenseArn: out.LicenseArn!, grantedAt: new Date() };
  })();
  return resolvedCache;
}

/** Decodes a JWS so that two signatures issued a moment apart compare by content, not by time. */
function decodeSignature(out: Record<string, unknown>): Record<string, unknown> {
  if (typeof out.Signature !== 'string') return out;
  const [header, payload] = out.Signature.split('.')
    .slice(0, 2)
    .map(
      (part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>,
    );
  for (const key of ['iat', 'exp', 'nbf', 'jti', 'issuedAt']) delete payload![key];
  return { ...out, Signature: { header, payload } };
}

async function sdkOutcome(c: Case): Promise<Outcome> {
  const sdk = new MarketplaceMeteringClient({
    region: c.region ?? 'us-east-1',
    endpoint: meterd.url,
    maxAttempts: 1,
    credentials:
      c.keys === 'anonymous' ? { accessKeyId: 'unused', secretAccessKey: 'unused' } : c.keys,
  });
  if (c.keys === 'anonymous') {
    editSdkHeaders(sdk, 'after', 'unsign', (headers) => {
      for (const h of ['authorization', 'x-amz-date', 'x-amz-content-sha256']) delete headers[h];
    });
  }
  try {
    const { $metadata, ...rest } = await sendWithSdk(sdk, c.op, await c.input());
    return { ok: decodeSignature(rest), status: $metadata.httpStatusCode };
  } catch (err) {
    const e = err as Error & { $fault: string; $metadata?: { httpStatusCode?: number } };
    return {
      error: {
        name: e.name,
        message: e.message,
        fault: e.$fault,
        status: e.$metadata?.httpStatusCode,
      },
    };
  } finally {
    sdk.destroy();
  }
}

async function ourOutcome(c: Case): Promise<Outcome> {
  const svc = client.marketplacemetering({
    region: c.region ?? 'us-east-1',
    endpoint: meterd.url,
    credentials:
      c.keys === 'anonymous'
        ? { anonymous: true }
        : {
            creds: { access_key_id: c.keys.accessKeyId, secret_access_key: c.keys.secretAccessKey },
          },
    config: { max_retries: 0 },
  });
  try {
    const { $metadata, ...rest } = await callClient(svc, c.op, await c.input());
    return { ok: decodeSignature(rest), status: $metadata.httpStatusCode };
  } catch (err) {
    assert.ok(
      err instanceof client.MarketplaceMeteringServiceException,
      `a service error, not ${String(err)}`,
    );
    assert.equal(err.$httpStatus, err.$metadata.httpStatusCode);
    assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/, 'the request id is carried');
    const Modelled = (client as unknown as Record<string, unknown>)[err.name];
    if (typeof Modelled === 'function')
      assert.ok(err instanceof (Modelled as typeof Error), `${err.name} is its own class`);
    return {
      error: { name: err.name, message: err.message, fault: err.$fault, status: err.$httpStatus },
    };
  } finally {
    svc.destroy();
  }
}

before(async () => {
  meterd = await startMeterd();
  token = await meterd.mintRegistrationToken('acme-saas', '222222222222');
});
after(async () => {
  await meterd?.stop();
});

describe('@meterd/client and the official SDK get the same answers from meterd', () => {
  for (const c of cases) {
    test(`${c.op}: ${c.name} → ${c.expect}`, async () => {
      const theirs = await sdkOutcome(c);
      const ours = await ourOutcome(c);
      assert.deepEqual(ours, theirs);
      if (c.expect === 'ok')
        assert.ok('ok' in ours, `expected success, got ${JSON.stringify(ours)}`);
      else assert.equal('error' in ours ? ours.error.name : 'ok', c.expect, JSON.stringify(ours));
      c.check?.(ours);
    });
  }
});
