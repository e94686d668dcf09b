/**
 * @module examples/catalog.yaml, which the README's catalog section describes, applied to a real
 * meterd: every entry it names is in the catalog meterd serves, and its keys meter as the file's
 * comments say.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  MeterUsageCommand,
  RegisterUsageCommand,
} from '@aws-sdk/client-marketplace-metering';
import { parse } from 'yaml';
import { minutesAgo, startMeterd, type Meterd } from './helpers/meterd.js';

const FILE = fileURLToPath(new URL('../../../examples/catalog.yaml', import.meta.url));
const example = parse(readFileSync(FILE, 'utf8')) as {
  accounts: Array<{
    accountId: string;
    accessKeys: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
  }>;
  products: Array<{ productCode: string; type: string }>;
  agreements: Array<{ productCode: string; customerAWSAccountId: string; licenseArn?: string }>;
};
const key = (id: string) => {
  const k = example.accounts.flatMap((a) => a.accessKeys).find((k) => k.accessKeyId === id);
  assert.ok(k, `examples/catalog.yaml has the key ${id}`);
  return { ...k };
};

describe('examples/catalog.yaml', () => {
  let meterd: Meterd;
  before(async () => {
    meterd = await startMeterd({ catalog: FILE });
  });
  after(() => meterd.stop());

  it('is applied whole: its accounts, products (of all three types) and agreements', async () => {
    const served = await meterd.admin<typeof example>('GET', '/catalog');
    assert.equal(served.status, 200);
    for (const a of example.accounts)
      assert.ok(
        served.body.accounts.some((s) => s.accountId === a.accountId),
        a.accountId,
      );
    assert.deepEqual(
      new Set(example.products.map((p) => p.type)),
      new Set(['saas', 'ami', 'container']),
    );
    for (const p of example.products)
      assert.ok(
        served.body.products.some((s) => s.productCode === p.productCode),
        p.productCode,
      );
    for (const a of example.agreements.filter((a) => a.licenseArn))
      assert.ok(
        served.body.agreements.some((s) => s.licenseArn === a.licenseArn),
        a.licenseArn,
      );
    assert.equal(served.body.agreements.length, example.agreements.length);
  });

  it("meters with its keys: the seller's SaaS records, the instance's MeterUsage, the task's RegisterUsage", async () => {
    const seller = meterd.client(key('AKIAACMESELLER000001'));
    const batch = await seller.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [
          {
            Timestamp: minutesAgo(1),
            CustomerIdentifier: 'globex-on-acme',
            Dimension: 'requests',
            Quantity: 2,
          },
          {
            Timestamp: minutesAgo(1),
            CustomerAWSAccountId: '444444444444',
            Dimension: 'requests',
            Quantity: 2,
          },
        ],
      }),
    );
    assert.deepEqual(
      batch.Results!.map((r) => r.Status),
      ['Success', 'CustomerNotSubscribed'],
      'Globex is subscribed, Hooli no longer',
    );
    const instance = meterd.client(key('AKIAGLOBEXBUYER00001'));
    const meter = await instance.send(
      new MeterUsageCommand({
        ProductCode: 'acme-ami',
        Timestamp: minutesAgo(1),
        UsageDimension: 'hours',
        UsageQuantity: 1,
      }),
    );
    assert.ok(meter.MeteringRecordId);
    const task = meterd.client(key('ASIAGLOBEXTASK000001'));
    const registered = await task.send(
      new RegisterUsageCommand({
        ProductCode: 'acme-container',
        PublicKeyVersion: 1,
        Nonce: 'example',
      }),
    );
    assert.ok(registered.Signature);
  });
});
