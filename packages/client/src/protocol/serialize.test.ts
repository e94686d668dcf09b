import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPERATIONS } from '../model/shapes.js';
import { serialize, wireOrder } from './serialize.js';

describe('serialize', () => {
  test('timestamps become epoch seconds, fractions kept', () => {
    const body = serialize(OPERATIONS.MeterUsage.input, {
      ProductCode: 'acme-ami',
      Timestamp: new Date(Date.UTC(2025, 10, 23, 1, 0, 0, 250)),
      UsageDimension: 'hours',
    });
    assert.equal(
      body,
      '{"ProductCode":"acme-ami","Timestamp":1763859600.25,"UsageDimension":"hours"}',
    );
  });

  test('members go required first, then in model order; unknown and undefined members are left out', () => {
    const body = serialize(OPERATIONS.BatchMeterUsage.input, {
      ProductCode: 'acme-saas',
      Unknown: 1,
      UsageRecords: [
        {
          Quantity: 0,
          CustomerIdentifier: 'c',
          Dimension: 'requests',
          Timestamp: new Date(Date.UTC(2025, 10, 23)),
          LicenseArn: undefined,
          UsageAllocations: [{ Tags: [{ Value: 'v', Key: 'k' }], AllocatedUsageQuantity: 0 }],
        },
      ],
    });
    assert.equal(
      body,
      '{"UsageRecords":[{"Timestamp":1763856000,"Dimension":"requests","CustomerIdentifier":"c","Quantity":0,' +
        '"UsageAllocations":[{"AllocatedUsageQuantity":0,"Tags":[{"Key":"k","Value":"v"}]}]}],"ProductCode":"acme-saas"}',
    );
  });

  test('false and zero are sent, null is not', () => {
    const body = serialize(OPERATIONS.MeterUsage.input, {
      ProductCode: 'p',
      Timestamp: new Date(0),
      UsageDimension: 'd',
      UsageQuantity: 0,
      DryRun: false,
      ClientToken: null,
    });
    assert.equal(
      body,
      '{"ProductCode":"p","Timestamp":0,"UsageDimension":"d","UsageQuantity":0,"DryRun":false}',
    );
  });

  test('an empty input is {}', () => {
    assert.equal(serialize(OPERATIONS.ResolveCustomer.input, undefined), '{}');
  });

  test('wireOrder', () => {
    assert.deepEqual(wireOrder(OPERATIONS.RegisterUsage.input), [
      'ProductCode',
      'PublicKeyVersion',
      'Nonce',
    ]);
  });
});
