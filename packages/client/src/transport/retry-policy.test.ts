import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  InternalServiceErrorException,
  InvalidTokenException,
  ThrottlingException,
} from '../errors.js';
import { MarketplaceMeteringServiceException } from '../errors.js';
import {
  BASE_DELAY_MS,
  MAX_DELAY_MS,
  THROTTLING_BASE_DELAY_MS,
  backoffDelay,
  isRetryable,
} from './retry-policy.js';

const init = (status: number) => ({ message: 'm', $httpStatus: status, requestId: undefined });

describe('isRetryable', () => {
  const cases: [string, unknown, boolean][] = [
    ['ThrottlingException', new ThrottlingException(init(400)), true],
    ['InternalServiceErrorException', new InternalServiceErrorException(init(500)), true],
    [
      'an unmodelled 503',
      new MarketplaceMeteringServiceException({ ...init(503), name: 'ServiceUnavailable' }),
      true,
    ],
    [
      'an unmodelled 502',
      new MarketplaceMeteringServiceException({ ...init(502), name: 'Unknown' }),
      true,
    ],
    ['a network failure', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    ['a modelled client fault', new InvalidTokenException(init(400)), false],
    [
      'an unmodelled 400',
      new MarketplaceMeteringServiceException({ ...init(400), name: 'ValidationException' }),
      false,
    ],
    [
      'a 413',
      new MarketplaceMeteringServiceException({ ...init(413), name: 'RequestEntityTooLarge' }),
      false,
    ],
  ];
  for (const [name, err, expected] of cases) {
    test(`${name}: ${expected ? 'retried' : 'not retried'}`, () =>
      assert.equal(isRetryable(err), expected));
  }
});

describe('backoffDelay (full jitter)', () => {
  test('the ceiling doubles per retry from the base, up to the maximum', () => {
    const top = () => 0.999999;
    assert.deepEqual(
      [0, 1, 2, 3].map((r) => backoffDelay(r, false, top)),
      [BASE_DELAY_MS - 1, 2 * BASE_DELAY_MS - 1, 4 * BASE_DELAY_MS - 1, 8 * BASE_DELAY_MS - 1],
    );
    assert.equal(backoffDelay(2, true, top), 4 * THROTTLING_BASE_DELAY_MS - 1);
    assert.equal(backoffDelay(30, false, top), MAX_DELAY_MS - 1);
  });

  test('the delay is drawn uniformly between 0 and the ceiling', () => {
    assert.equal(
      backoffDelay(3, false, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(3, false, () => 0.5),
      400,
    );
    const draws = Array.from({ length: 500 }, () => backoffDelay(2, false));
    assert.ok(draws.every((d) => d >= 0 && d < 4 * BASE_DELAY_MS));
    assert.ok(new Set(draws).size > 50, 'jittered, not fixed');
  });
});
