/**
 * @module BatchMeterUsage through the official AWS SDK for JavaScript against a real meterd.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  type MarketplaceMeteringClient,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering';
import { KEYS, minutesAgo, startMeterd, type Meterd } from './helpers/meterd.js';

const GLOBEX = '222222222222';
const LICENSE = 'arn:aws:license-manager::222222222222:license:l-0123456789abcdef';

let meterd: Meterd;
let acme: MarketplaceMeteringClient;
let initech: MarketplaceMeteringClient;

before(async () => {
  meterd = await startMeterd();
  acme = meterd.client(KEYS.acme);
  initech = meterd.client(KEYS.initech);
});
after(() => meterd.stop());

// Every test uses its own hour-and-dimension slots so they never deduplicate each other.
let slot = 0;
const nextTime = () =>
  new Date(
    Math.floor(Date.now() / 3600_000) * 3600_000 - 3600_000 * (1 + (slot++ % 4)) + slot * 1000,
  );

const record = (over: Partial<UsageRecord> = {}): UsageRecord => ({
  Timestamp: minutesAgo(5),
  CustomerAWSAccountId: GLOBEX,
  Dimension: 'requests',
  Quantity: 1,
  ...over,
});

async function rejects(promise: Promise<unknown>, name: string, message?: RegExp) {
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    assert.ok((error.$metadata?.httpStatusCode ?? 0) < 500, 'never a 5xx');
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('BatchMeterUsage', () => {
  it('accepts records by account id and by customer identifier, with record ids', async () => {
    const t = nextTime();
    const out = await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({ Timestamp: t, Dimension: 'requests', Quantity: 10 }),
          {
            Timestamp: t,
            CustomerIdentifier: 'globex-on-acme',
            Dimension: 'storage_gb',
            Quantity: 0,
          },
        ],
      }),
    );
    assert.equal(out.Results?.length, 2);
    assert.deepEqual(out.UnprocessedRecords, []);
    for (const r of out.Results!) {
      assert.equal(r.Status, 'Success');
      assert.match(r.MeteringRecordId!, /^[0-9a-f-]{36}$/);
    }
    assert.equal(out.Results![0]!.UsageRecord!.Quantity, 10);
    assert.equal(out.Results![0]!.UsageRecord!.Timestamp!.getTime(), t.getTime());
    assert.ok(out.$metadata.requestId);
  });

  it('deduplicates per product, customer, dimension and hour, returning the original id', async () => {
    const t = nextTime();
    const first = await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [record({ Timestamp: t, Dimension: 'storage_gb', Quantity: 7 })],
      }),
    );
    const id = first.Results![0]!.MeteringRecordId;
    // Same record again, and the same hour at another minute, by identifier: same record.
    const again = await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({ Timestamp: t, Dimension: 'storage_gb', Quantity: 7 }),
          {
            Timestamp: new Date(t.getTime() + 60_000),
            CustomerIdentifier: 'globex-on-acme',
            Dimension: 'storage_gb',
            Quantity: 7,
          },
          record({
            Timestamp: new Date(t.getTime() + 120_000),
            Dimension: 'storage_gb',
            Quantity: 8,
          }),
        ],
      }),
    );
    assert.deepEqual(
      again.Results!.map((r) => [r.Status, r.MeteringRecordId]),
      [
        ['Success', id],
        ['Success', id],
        ['DuplicateRecord', id],
      ],
    );
    const stored = await meterd.admin<{
      records: Array<{ meteringRecordId: string; quantity: number }>;
    }>(
      'GET',
      `/usage?productCode=acme-saas&dimension=storage_gb&startTime=${t.getTime() / 1000 - 1}&endTime=${t.getTime() / 1000 + 3600}`,
    );
    const mine = stored.body.records.filter((r) => r.meteringRecordId === id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.quantity, 7, 'the earlier quantity stands');
  });

  it('sees catalog changes at once: a new agreement meters, a suspended one no longer does', async () => {
    const customer = '777700000001';
    const created = await meterd.admin<{ licenseArn: string }>('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
      startedAt: new Date(Date.now() - 6 * 3600_000).toISOString(),
    });
    assert.equal(created.status, 201);
    const meter = (t: Date) =>
      acme.send(
        new BatchMeterUsageCommand({
          ProductCode: 'acme-saas',
          UsageRecords: [record({ Timestamp: t, CustomerAWSAccountId: customer })],
        }),
      );
    const first = await meter(nextTime());
    assert.equal(first.Results![0]!.Status, 'Success');
    const patched = await meterd.admin(
      'PATCH',
      `/agreements/${encodeURIComponent(created.body.licenseArn)}`,
      { status: 'suspended' },
    );
    assert.equal(patched.status, 200);
    const second = await meter(nextTime());
    assert.equal(second.Results![0]!.Status, 'CustomerNotSubscribed');
  });

  it("answers CustomerNotSubscribed for unknown, suspended and other products' customers", async () => {
    const t = nextTime();
    const out = await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({ Timestamp: t, CustomerAWSAccountId: '999999999999' }),
          record({ Timestamp: t, CustomerAWSAccountId: '444444444444' }),
          { Timestamp: t, CustomerIdentifier: 'globex-on-initech', Dimension: 'requests' },
          { Timestamp: t, CustomerIdentifier: 'nobody', Dimension: 'requests' },
        ],
      }),
    );
    assert.deepEqual(
      out.Results!.map((r) => [r.Status, r.MeteringRecordId]),
      Array(4).fill(['CustomerNotSubscribed', undefined]),
    );
  });

  it('keeps usage of an unsubscribed customer for one hour after the end, up to the end time', async () => {
    const endedAt = minutesAgo(30);
    const agreement = await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas-2',
      customerAWSAccountId: '555555555555',
      status: 'unsubscribed',
      startedAt: '2020-01-01T00:00:00Z',
      endedAt: endedAt.toISOString(),
    });
    assert.equal(agreement.status, 201);
    const lateEnd = await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas-2',
      customerAWSAccountId: '666666666666',
      status: 'unsubscribed',
      endedAt: minutesAgo(90).toISOString(),
    });
    assert.equal(lateEnd.status, 201);
    const out = await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas-2',
        UsageRecords: [
          record({
            CustomerAWSAccountId: '555555555555',
            Dimension: 'seats',
            Timestamp: minutesAgo(40),
          }),
          record({
            CustomerAWSAccountId: '555555555555',
            Dimension: 'seats',
            Timestamp: minutesAgo(10),
          }),
          record({
            CustomerAWSAccountId: '666666666666',
            Dimension: 'seats',
            Timestamp: minutesAgo(100),
          }),
        ],
      }),
    );
    assert.deepEqual(
      out.Results!.map((r) => r.Status),
      ['Success', 'CustomerNotSubscribed', 'CustomerNotSubscribed'],
    );
  });

  it('accepts concurrent-agreement records: CustomerAWSAccountId with LicenseArn, no ProductCode', async () => {
    const out = await acme.send(
      new BatchMeterUsageCommand({
        UsageRecords: [record({ Timestamp: nextTime(), LicenseArn: LICENSE })],
      }),
    );
    assert.equal(out.Results![0]!.Status, 'Success');
  });

  // Whole-batch failures: each case is a request and the error it must get.
  const failures: Array<
    [string, () => ConstructorParameters<typeof BatchMeterUsageCommand>[0], string, RegExp?]
  > = [
    [
      'a record 6 hours old',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [record(), record({ Timestamp: minutesAgo(360) })],
      }),
      'TimestampOutOfBoundsException',
    ],
    [
      'a record in the future',
      () => ({ ProductCode: 'acme-saas', UsageRecords: [record({ Timestamp: minutesAgo(-30) })] }),
      'TimestampOutOfBoundsException',
    ],
    [
      'an unknown dimension',
      () => ({ ProductCode: 'acme-saas', UsageRecords: [record({ Dimension: 'seats' })] }),
      'InvalidUsageDimensionException',
    ],
    [
      'an unknown product',
      () => ({ ProductCode: 'nope', UsageRecords: [record()] }),
      'InvalidProductCodeException',
    ],
    [
      "another seller's product",
      () => ({ ProductCode: 'initech-saas', UsageRecords: [record()] }),
      'InvalidProductCodeException',
    ],
    [
      'a non-SaaS product',
      () => ({ ProductCode: 'acme-ami', UsageRecords: [record({ Dimension: 'hours' })] }),
      'InvalidProductCodeException',
    ],
    [
      'both customer fields',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [record({ CustomerIdentifier: 'globex-on-acme' })],
      }),
      'InvalidCustomerIdentifierException',
    ],
    [
      'no customer field',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [{ Timestamp: minutesAgo(1), Dimension: 'requests' }],
      }),
      'InvalidCustomerIdentifierException',
    ],
    [
      'an unknown licence',
      () => ({
        UsageRecords: [
          record({
            LicenseArn: 'arn:aws:license-manager::222222222222:license:l-ffffffffffffffff',
          }),
        ],
      }),
      'InvalidLicenseException',
    ],
    [
      'a licence of another customer',
      () => ({
        UsageRecords: [record({ CustomerAWSAccountId: '444444444444', LicenseArn: LICENSE })],
      }),
      'InvalidLicenseException',
    ],
    [
      'a licence of another product',
      () => ({
        ProductCode: 'acme-saas-2',
        UsageRecords: [record({ Dimension: 'seats', LicenseArn: LICENSE })],
      }),
      'InvalidLicenseException',
    ],
    [
      'no product and no licence',
      () => ({ UsageRecords: [record()] }),
      'InvalidProductCodeException',
    ],
    [
      'allocations not adding up',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({
            Quantity: 5,
            UsageAllocations: [
              { AllocatedUsageQuantity: 2, Tags: [{ Key: 'team', Value: 'a' }] },
              { AllocatedUsageQuantity: 2 },
            ],
          }),
        ],
      }),
      'InvalidUsageAllocationsException',
      /add up to 4/,
    ],
    [
      'two untagged allocations',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({
            Quantity: 2,
            UsageAllocations: [{ AllocatedUsageQuantity: 1 }, { AllocatedUsageQuantity: 1 }],
          }),
        ],
      }),
      'InvalidUsageAllocationsException',
    ],
    [
      'repeated tag sets',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({
            Quantity: 2,
            UsageAllocations: [
              { AllocatedUsageQuantity: 1, Tags: [{ Key: 'k', Value: 'v' }] },
              { AllocatedUsageQuantity: 1, Tags: [{ Key: 'k', Value: 'v' }] },
            ],
          }),
        ],
      }),
      'InvalidUsageAllocationsException',
    ],
    [
      'a tag with a bad character',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({
            Quantity: 1,
            UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'k#1', Value: 'v' }] }],
          }),
        ],
      }),
      'InvalidTagException',
    ],
    [
      'a repeated tag key',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({
            Quantity: 1,
            UsageAllocations: [
              {
                AllocatedUsageQuantity: 1,
                Tags: [
                  { Key: 'k', Value: 'v' },
                  { Key: 'k', Value: 'w' },
                ],
              },
            ],
          }),
        ],
      }),
      'InvalidTagException',
    ],
    [
      '26 records',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: Array.from({ length: 26 }, () => record()),
      }),
      'ValidationException',
      /at 'usageRecords' failed to satisfy constraint: Member must have length less than or equal to 25/,
    ],
    [
      'six tags',
      () => ({
        ProductCode: 'acme-saas',
        UsageRecords: [
          record({
            UsageAllocations: [
              {
                AllocatedUsageQuantity: 1,
                Tags: Array.from({ length: 6 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
              },
            ],
          }),
        ],
      }),
      'ValidationException',
      /usageRecords\.1\.member\.usageAllocations\.1\.member\.tags/,
    ],
    [
      'a negative quantity',
      () => ({ ProductCode: 'acme-saas', UsageRecords: [record({ Quantity: -1 })] }),
      'ValidationException',
      /^1 validation error detected: Value '-1' at 'usageRecords\.1\.member\.quantity' failed to satisfy constraint: Member must have value greater than or equal to 0$/,
    ],
    [
      'a bad product code and an empty dimension',
      () => ({ ProductCode: 'bad code!', UsageRecords: [record({ Dimension: '' })] }),
      'ValidationException',
      /^2 validation errors detected: .*; .*/,
    ],
  ];
  for (const [what, input, error, message] of failures)
    it(`fails the whole batch on ${what} with ${error}`, async () => {
      const before = await meterd.admin<{ records: unknown[] }>('GET', '/usage?limit=1000');
      await rejects(acme.send(new BatchMeterUsageCommand(input())), error, message);
      const afterwards = await meterd.admin<{ records: unknown[] }>('GET', '/usage?limit=1000');
      assert.equal(afterwards.body.records.length, before.body.records.length, 'nothing stored');
    });

  it("lets no seller meter another seller's customers through its own product", async () => {
    const out = await initech.send(
      new BatchMeterUsageCommand({
        ProductCode: 'initech-saas',
        UsageRecords: [
          { Timestamp: nextTime(), CustomerIdentifier: 'globex-on-acme', Dimension: 'requests' },
        ],
      }),
    );
    assert.equal(out.Results![0]!.Status, 'CustomerNotSubscribed');
  });

  it('accepts an empty batch', async () => {
    const out = await acme.send(
      new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: [] }),
    );
    assert.deepEqual(out.Results, []);
  });

  it("audits every call, accepted or rejected, in the seller's account", async () => {
    const since = new Date(Date.now() - 1000);
    await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [record({ Timestamp: nextTime() })],
      }),
    );
    await rejects(
      acme.send(
        new BatchMeterUsageCommand({
          ProductCode: 'acme-saas',
          UsageRecords: [record({ Dimension: 'x' })],
        }),
      ),
      'InvalidUsageDimensionException',
    );
    const { body } = await meterd.admin<{ events: Array<Record<string, unknown>> }>(
      'GET',
      `/events?eventName=BatchMeterUsage&startTime=${since.toISOString()}`,
    );
    const [ok, failed] = body.events.slice(-2);
    assert.equal(ok!.recipientAccountId, '111111111111');
    assert.equal(ok!.eventSource, 'metering-marketplace.amazonaws.com');
    assert.equal(ok!.eventType, 'AwsApiCall');
    assert.equal((ok!.requestParameters as { productCode: string }).productCode, 'acme-saas');
    assert.equal(
      (ok!.responseElements as { results: Array<{ status: string }> }).results[0]!.status,
      'Success',
    );
    assert.equal(failed!.errorCode, 'InvalidUsageDimensionException');
    assert.equal(failed!.responseElements, null);
  });
});
