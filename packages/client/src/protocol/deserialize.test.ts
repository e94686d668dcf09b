import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPERATIONS } from '../model/shapes.js';
import { deserialize } from './deserialize.js';

describe('deserialize', () => {
  test('epoch seconds inside nested lists become Dates; unknown members are dropped', () => {
    const out = deserialize(OPERATIONS.BatchMeterUsage.output, {
      Results: [
        {
          UsageRecord: {
            Timestamp: 1763859600.25,
            Dimension: 'requests',
            Quantity: 2,
            Extra: true,
          },
          MeteringRecordId: 'm-1',
          Status: 'Success',
        },
      ],
      UnprocessedRecords: [{ Timestamp: '1763859600', Dimension: 'storage_gb' }],
      Surprise: 'ignored',
    });
    assert.deepEqual(out, {
      Results: [
        {
          UsageRecord: {
            Timestamp: new Date(Date.UTC(2025, 10, 23, 1, 0, 0, 250)),
            Dimension: 'requests',
            Quantity: 2,
          },
          MeteringRecordId: 'm-1',
          Status: 'Success',
        },
      ],
      UnprocessedRecords: [
        { Timestamp: new Date(Date.UTC(2025, 10, 23, 1)), Dimension: 'storage_gb' },
      ],
    });
  });

  test('an optional timestamp is absent when the body leaves it out or sends null', () => {
    assert.deepEqual(
      deserialize(OPERATIONS.RegisterUsage.output, {
        Signature: 's',
        PublicKeyRotationTimestamp: null,
      }),
      {
        Signature: 's',
      },
    );
  });

  test('an ISO date string is read too', () => {
    const out = deserialize(OPERATIONS.RegisterUsage.output, {
      PublicKeyRotationTimestamp: '2025-11-23T01:00:00Z',
    });
    assert.deepEqual(out, { PublicKeyRotationTimestamp: new Date('2025-11-23T01:00:00Z') });
  });

  test('an empty body is an empty output', () => {
    assert.deepEqual(deserialize(OPERATIONS.MeterUsage.output, {}), {});
  });
});
