/**
 * @module Audit events as stored: a BatchMeterUsage answer's echoes of its request's records are
 * stored as positions and restored on reading, so that what is read is what was built.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
