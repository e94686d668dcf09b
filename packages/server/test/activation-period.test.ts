/**
 * @module The activation period of an agreement, alike in every operation and whichever way a
 * record names its customer: before the start, inside, after the end, with no start (a catalog
 * agreement meterd did not see begin), and starting at a subscription. A real meterd on a
 * catalog file written for the run, called with the AWS SDK for JavaScript v3.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  MeterUsageCommand,
  RegisterUsageCommand,
  ResolveCustomerCommand,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering';
import { minutesAgo, startMeterd, type Meterd } from './helpers/meterd.js';

const SELLER = { accessKeyId: 'AKIAPERIODSELLER0001', secretAccessKey: 'period-seller-secret' };
const SAAS = 'period-saas';
const AMI = 'period-ami';
const CONTAINER = 'period-container';
const HOUR = 3600_000;

/** One buyer per kind of agreement; each has an agreement with each of the three products. */
const PERIODS = {
  'before its start': { status: 'active', startedAt: HOUR, endedAt: undefined },
  inside: { status: 'active', startedAt: -3 * HOUR, endedAt: undefined },
  'after its end': { status: 'unsubscribed', startedAt: -24 * HOUR, endedAt: -30 * 60_000 },
  'with no startedAt': { status: 'active', startedAt: undefined, endedAt: undefined },
} as const;
type Period = keyof typeof PERIODS | 'created by a subscription';

const started = Date.now();
const buyers = Object.keys(PERIODS).map((period, i) => ({
  period: period as Period,
  accountId: `31000000000${i + 1}`,
  key: {
    accessKeyId: `AKIAPERIODBUYER0000${i + 1}`,
    secretAccessKey: `period-buyer-secret-${i + 1}`,
  },
  identifier: (product: string) => `period-${i + 1}-${product}`,
  licence: (product: string) =>
    `arn:aws:license-manager::31000000000${i + 1}:license:l-period${i + 1}${product.slice(7)}`,
}));
/** The buyer who subscribes during the run: it has no agreement in the catalog. */
const SUBSCRIBER = '319999999999';

const at = (offset: number | undefined) =>
  offset === undefined ? {} : { startedAt: new Date(started + offset).toISOString() };

let dir: string;
let meterd: Meterd;
let subscription: { licenseArn: string; customerIdentifier: string; startedAt: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meterd-period-'));
  const catalog = {
    accounts: [
      { accountId: '111111111111', name: 'period-seller', accessKeys: [SELLER] },
      ...buyers.map((b) => ({ accountId: b.accountId, accessKeys: [b.key] })),
    ],
    products: [
      { productCode: SAAS, sellerAccountId: '111111111111', type: 'saas', dimensions: ['seats'] },
      { productCode: AMI, sellerAccountId: '111111111111', type: 'ami', dimensions: ['hours'] },
      {
        productCode: CONTAINER,
        sellerAccountId: '111111111111',
        type: 'container',
        dimensions: ['vcpu'],
      },
    ],
    agreements: buyers.flatMap((b) =>
      [SAAS, AMI, CONTAINER].map((productCode) => {
        const p = PERIODS[b.period as keyof typeof PERIODS];
        return {
          productCode,
          customerAWSAccountId: b.accountId,
          customerIdentifier: b.identifier(productCode),
          licenseArn: b.licence(productCode),
          status: p.status,
          ...at(p.startedAt),
          ...(p.endedAt === undefined
            ? {}
            : { endedAt: new Date(started + p.endedAt).toISOString() }),
        };
      }),
    ),
  };
  const file = join(dir, 'catalog.yaml');
  writeFileSync(file, JSON.stringify(catalog));
  meterd = await startMeterd({ catalog: file });

  // A buyer subscribes: the agreement AWS Marketplace creates then starts at that moment.
  const token = await meterd.admin<{ registrationToken: string; licenseArn: string }>(
    'POST',
    '/registration-tokens',
    { productCode: SAAS, customerAWSAccountId: SUBSCRIBER },
  );
  assert.equal(token.status, 201, JSON.stringify(token.body));
  const resolved = await meterd
    .client(SELLER)
    .send(new ResolveCustomerCommand({ RegistrationToken: token.body.registrationToken }));
  const listed = await meterd.admin<{ agreements: Array<{ startedAt: string | null }> }>(
    'GET',
    `/agreements?productCode=${SAAS}&customerAWSAccountId=${SUBSCRIBER}`,
  );
  subscription = {
    licenseArn: resolved.LicenseArn!,
    customerIdentifier: resolved.CustomerIdentifier!,
    startedAt: listed.body.agreements[0]!.startedAt!,
  };
});
after(async () => {
  await meterd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Naming = 'LicenseArn' | 'CustomerAWSAccountId' | 'CustomerIdentifier';

/** What a call answers: a record's status, or the error the call is refused with. */
async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    const out = (await call()) as { Results?: Array<{ Status?: string }> };
    return out.Results?.[0]?.Status ?? 'Success';
  } catch (error) {
    return (error as Error).name;
  }
}

function batchRecord(period: Period, naming: Naming, time: Date): UsageRecord {
  const base = { Timestamp: time, Dimension: 'seats', Quantity: 1 };
  if (period === 'created by a subscription')
    return naming === 'CustomerIdentifier'
      ? { ...base, CustomerIdentifier: subscription.customerIdentifier }
      : {
          ...base,
          CustomerAWSAccountId: SUBSCRIBER,
          ...(naming === 'LicenseArn' ? { LicenseArn: subscription.licenseArn } : {}),
        };
  const buyer = buyers.find((b) => b.period === period)!;
  return naming === 'CustomerIdentifier'
    ? { ...base, CustomerIdentifier: buyer.identifier(SAAS) }
    : {
        ...base,
        CustomerAWSAccountId: buyer.accountId,
        ...(naming === 'LicenseArn' ? { LicenseArn: buyer.licence(SAAS) } : {}),
      };
}

/** The usage time a row sends: inside each period where it has one, else 10 minutes ago. */
const usageTime = (period: Period, expected: string) => {
  if (period === 'with no startedAt') return minutesAgo(5 * 60 + 55);
  if (period === 'after its end') return expected === 'Success' ? minutesAgo(40) : minutesAgo(10);
  if (period === 'created by a subscription')
    // A minute ahead (within the 5 minutes allowed), so that a time sent in whole seconds
    // cannot fall before a start taken a moment ago.
    return expected === 'Success' ? new Date(Date.now() + 60_000) : minutesAgo(10);
  return minutesAgo(10);
};

// BatchMeterUsage, by each way of naming the customer.
const batchTable: Array<[Period, Naming, string]> = [
  ['before its start', 'LicenseArn', 'InvalidLicenseException'],
  ['before its start', 'CustomerAWSAccountId', 'CustomerNotSubscribed'],
  ['before its start', 'CustomerIdentifier', 'CustomerNotSubscribed'],
  ['inside', 'LicenseArn', 'Success'],
  ['inside', 'CustomerAWSAccountId', 'Success'],
  ['inside', 'CustomerIdentifier', 'Success'],
  ['after its end', 'LicenseArn', 'InvalidLicenseException'],
  ['after its end', 'CustomerAWSAccountId', 'CustomerNotSubscribed'],
  ['after its end', 'CustomerIdentifier', 'CustomerNotSubscribed'],
  ['after its end', 'LicenseArn', 'Success'],
  ['after its end', 'CustomerAWSAccountId', 'Success'],
  ['after its end', 'CustomerIdentifier', 'Success'],
  ['with no startedAt', 'LicenseArn', 'Success'],
  ['with no startedAt', 'CustomerAWSAccountId', 'Success'],
  ['with no startedAt', 'CustomerIdentifier', 'Success'],
  ['created by a subscription', 'LicenseArn', 'InvalidLicenseException'],
  ['created by a subscription', 'CustomerAWSAccountId', 'CustomerNotSubscribed'],
  ['created by a subscription', 'CustomerIdentifier', 'CustomerNotSubscribed'],
  ['created by a subscription', 'LicenseArn', 'Success'],
  ['created by a subscription', 'CustomerAWSAccountId', 'Success'],
  ['created by a subscription', 'CustomerIdentifier', 'Success'],
];

// MeterUsage and RegisterUsage name no licence: the caller is the buyer.
const buyerTable: Array<[Period, 'MeterUsage' | 'RegisterUsage', string]> = [
  ['before its start', 'MeterUsage', 'CustomerNotEntitledException'],
  ['before its start', 'RegisterUsage', 'CustomerNotEntitledException'],
  ['inside', 'MeterUsage', 'Success'],
  ['inside', 'RegisterUsage', 'Success'],
  ['after its end', 'MeterUsage', 'CustomerNotEntitledException'],
  ['after its end', 'MeterUsage', 'Success'],
  ['after its end', 'RegisterUsage', 'CustomerNotEntitledException'],
  ['with no startedAt', 'MeterUsage', 'Success'],
  ['with no startedAt', 'RegisterUsage', 'Success'],
];

describe('the activation period', () => {
  for (const [period, naming, expected] of batchTable) {
    const when = expected === 'Success' ? 'inside it' : 'outside it';
    it(`BatchMeterUsage by ${naming}, agreement ${period}, usage ${when}: ${expected}`, async () => {
      const record = batchRecord(period, naming, usageTime(period, expected));
      const answer = await outcome(() =>
        meterd.client(SELLER).send(
          new BatchMeterUsageCommand({
            // A record naming its licence may leave the product out (B1).
            ...(naming === 'LicenseArn' ? {} : { ProductCode: SAAS }),
            UsageRecords: [record],
          }),
        ),
      );
      assert.equal(answer, expected);
    });
  }

  for (const [period, operation, expected] of buyerTable) {
    const when = expected === 'Success' ? 'inside it' : 'outside it';
    it(`${operation}, agreement ${period}, usage ${when}: ${expected}`, async () => {
      const buyer = buyers.find((b) => b.period === period)!;
      const client = meterd.client(buyer.key);
      const answer = await outcome(() =>
        operation === 'MeterUsage'
          ? client.send(
              new MeterUsageCommand({
                ProductCode: AMI,
                Timestamp: usageTime(period, expected),
                UsageDimension: 'hours',
                UsageQuantity: 1,
              }),
            )
          : client.send(new RegisterUsageCommand({ ProductCode: CONTAINER, PublicKeyVersion: 1 })),
      );
      assert.equal(answer, expected);
    });
  }

  it('starts an agreement created by a subscription at that moment', () => {
    const startedAt = Date.parse(subscription.startedAt);
    assert.ok(startedAt >= started && startedAt <= Date.now(), subscription.startedAt);
  });

  it('keeps no start for a catalog agreement without one, and a start once given', async () => {
    const noStart = buyers.find((b) => b.period === 'with no startedAt')!;
    const listed = await meterd.admin<{ agreements: Array<{ startedAt: string | null }> }>(
      'GET',
      `/agreements?productCode=${SAAS}&customerAWSAccountId=${noStart.accountId}`,
    );
    assert.equal(listed.body.agreements[0]!.startedAt, null);
    // Changing only the status keeps the subscription's start.
    const patched = await meterd.admin<{ startedAt: string | null; status: string }>(
      'PATCH',
      `/agreements/${encodeURIComponent(subscription.licenseArn)}`,
      { status: 'suspended' },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.status, 'suspended');
    assert.equal(patched.body.startedAt, subscription.startedAt);
  });
});
