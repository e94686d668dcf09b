/**
 * @module Audit events as stored: a BatchMeterUsage answer's echoes of its request's records are
 * stored as positions and restored on reading, so that what is read is what was built.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Shape as ModelShape } from '@meterd/model';
import * as entitlementModel from '@meterd/model/entitlement';
import * as meteringModel from '@meterd/model/metering';
import { buildEvent, packEvent, unpackEvent } from './event.js';

const ctx = {
  requestId: 'request-1',
  principal: {
    accountId: '111111111111',
    accessKeyId: 'AKIATEST',
    temporary: false,
    resourceRegion: 'us-east-1',
  },
  region: 'us-east-1',
  sourceIp: '127.0.0.1',
  userAgent: 'test',
  now: new Date('2026-11-23T05:00:00Z'),
};
const records = Array.from({ length: 3 }, (_, i) => ({
  Timestamp: new Date(Date.UTC(2026, 10, 23, 4, i)),
  CustomerIdentifier: `cust-${i}`,
  Dimension: 'requests',
  Quantity: i,
}));
const roundTrip = (event: ReturnType<typeof buildEvent>) =>
  assert.deepEqual(unpackEvent(packEvent(event)), JSON.parse(JSON.stringify(event)));

describe('packEvent / unpackEvent', () => {
  it('stores a BatchMeterUsage answer without repeating its records, and restores them', () => {
    const event = buildEvent(
      ctx,
      'BatchMeterUsage',
      { ProductCode: 'acme', UsageRecords: records },
      {
        response: {
          Results: [
            { UsageRecord: records[0], MeteringRecordId: 'id-0', Status: 'Success' },
            { UsageRecord: records[2], Status: 'CustomerNotSubscribed' },
          ],
          UnprocessedRecords: [records[1]],
        },
      },
    );
    const stored = packEvent(event);
    assert.ok(stored.length < JSON.stringify(event).length);
    assert.equal(stored.split('cust-0').length - 1, 1, 'each record is stored once');
    roundTrip(event);
    const read = unpackEvent(stored) as unknown as {
      responseElements: { results: Array<{ usageRecord: { customerIdentifier: string } }> };
    };
    assert.equal(read.responseElements.results[1]!.usageRecord.customerIdentifier, 'cust-2');
  });

  it('stores every other event as it is', () => {
    const rejected = buildEvent(
      ctx,
      'BatchMeterUsage',
      { ProductCode: 'acme', UsageRecords: records },
      { error: { name: 'ValidationException', message: 'no' } },
    );
    assert.equal(packEvent(rejected), JSON.stringify(rejected));
    roundTrip(rejected);
    const meter = buildEvent(
      ctx,
      'MeterUsage',
      { ProductCode: 'ami', Timestamp: records[0]!.Timestamp, UsageDimension: 'hours' },
      { response: { MeteringRecordId: 'id-1' } },
    );
    assert.equal(packEvent(meter), JSON.stringify(meter));
    roundTrip(meter);
  });
});

describe('toCloudTrailShape', () => {
  it("keeps a GetEntitlements Filter's keys as sent, and camel-cases member names", () => {
    const event = buildEvent(
      ctx,
      'GetEntitlements',
      { ProductCode: 'acme', Filter: { CUSTOMER_IDENTIFIER: ['cust-0'], DIMENSION: ['seats'] } },
      { response: { Entitlements: [{ ProductCode: 'acme', Value: { IntegerValue: 5 } }] } },
    );
    assert.deepEqual(event.requestParameters, {
      productCode: 'acme',
      filter: { CUSTOMER_IDENTIFIER: ['cust-0'], DIMENSION: ['seats'] },
    });
    assert.deepEqual(event.responseElements, {
      entitlements: [{ productCode: 'acme', value: { integerValue: 5 } }],
    });
  });

  it('keeps the keys of every map the models have, in requests and answers', () => {
    // A value for each shape, with a map key no camel-casing leaves alone; the expected event
    // form beside it.
    const sample = (shape: ModelShape, depth = 0): [unknown, unknown] => {
      switch (shape.type) {
        case 'structure': {
          const value: Record<string, unknown> = {};
          const expected: Record<string, unknown> = {};
          if (depth < 6)
            for (const [name, member] of Object.entries(shape.members)) {
              const [v, e] = sample(member.shape, depth + 1);
              value[name] = v;
              expected[name.charAt(0).toLowerCase() + name.slice(1)] = e;
            }
          return [value, expected];
        }
        case 'list': {
          const [v, e] = sample(shape.member, depth + 1);
          return [[v], [e]];
        }
        case 'map': {
          const [v, e] = sample(shape.value, depth + 1);
          return [{ Key_As_Sent: v }, { Key_As_Sent: e }];
        }
        case 'timestamp':
          return [new Date(0), '1970-01-01T00:00:00Z'];
        default:
          return ['x', 'x'];
      }
    };
    let maps = 0;
    const countMaps = (shape: ModelShape, depth = 0): void => {
      if (depth > 6) return;
      if (shape.type === 'map') maps++;
      if (shape.type === 'map') countMaps(shape.value, depth + 1);
      if (shape.type === 'list') countMaps(shape.member, depth + 1);
      if (shape.type === 'structure')
        for (const member of Object.values(shape.members)) countMaps(member.shape, depth + 1);
    };
    for (const op of [
      ...Object.values(meteringModel.operations),
      ...Object.values(entitlementModel.operations),
    ]) {
      const [request, expectedRequest] = sample(op.input);
      const [response, expectedResponse] = sample(op.output);
      countMaps(op.input);
      countMaps(op.output);
      const event = buildEvent(ctx, op.name, request, { response });
      assert.deepEqual(event.requestParameters, expectedRequest, op.name);
      assert.deepEqual(event.responseElements, expectedResponse, op.name);
    }
    assert.ok(maps >= 1, 'the models have a map (GetEntitlements Filter)');
  });
});
