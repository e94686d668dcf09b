import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AWS_QUOTAS, parseQuotaFlag, QuotaError, resolveQuotas, TokenBucket } from './quotas.js';

describe('quotas', () => {
  it("lays overrides over AWS's figures; 0 lifts a quota", () => {
    assert.deepEqual(resolveQuotas(), AWS_QUOTAS);
    const q = resolveQuotas({
      BatchMeterUsage: 20,
      MeterUsage: { ratePerSecond: 5, burst: 1 },
      RegisterUsage: 0,
    });
    assert.deepEqual(q.BatchMeterUsage, { ratePerSecond: 20, burst: 20 });
    assert.deepEqual(q.MeterUsage, { ratePerSecond: 5, burst: 1 });
    assert.equal(q.RegisterUsage, undefined);
    assert.throws(() => resolveQuotas({ MeterUsage: -1 }), QuotaError);
    assert.deepEqual(parseQuotaFlag('BatchMeterUsage=20,MeterUsage=5:1'), {
      BatchMeterUsage: { ratePerSecond: 20, burst: 20 },
      MeterUsage: { ratePerSecond: 5, burst: 1 },
    });
    assert.throws(() => parseQuotaFlag('MeterUsage'), QuotaError);
  });

  it('lets a burst through, then the rate', () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 10 }, 0);
    let accepted = 0;
    // 50 calls a second for 3 seconds.
    for (let i = 0; i < 150; i++) if (bucket.take(i * 20)) accepted++;
    assert.equal(accepted, 10 + 30 - 1);
  });
});
