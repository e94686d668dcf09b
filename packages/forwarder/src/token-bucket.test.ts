/** @module The token bucket: bursts up to its size, then its rate. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('gives a burst at once, then one token per 1/rate seconds', () => {
    let t = 0;
    const bucket = new TokenBucket(10, 3, () => t);
    for (let i = 0; i < 3; i++) {
      assert.equal(bucket.wait(), 0);
      (bucket as unknown as { tokens: number }).tokens -= 1;
    }
    assert.equal(bucket.wait(), 100);
    t += 50;
    assert.equal(bucket.wait(), 50);
    t += 50;
    assert.equal(bucket.wait(), 0);
  });

  it('spaces 20 takes after a burst of 3 at 100 a second: about 0.2 s', async () => {
    const bucket = new TokenBucket(100, 3);
    const start = performance.now();
    for (let i = 0; i < 23; i++) await bucket.take();
    const took = performance.now() - start;
    assert.ok(took >= 190 && took < 600, `took ${took} ms`);
  });
});
