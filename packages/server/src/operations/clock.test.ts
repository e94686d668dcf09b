/**
 * @module The offsets clock changes leave: forward, back as far as real time, never before it,
 * never past the last four-digit year.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClockChangeError, offsetAfter, type ClockChange } from './clock.js';

const REAL = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;

const CASES: Array<
  [name: string, change: ClockChange, current: number, expected: number | RegExp]
> = [
  ['an advance adds to the offset', { advanceSeconds: 3600 }, HOUR, 2 * HOUR],
  ['an advance back stops nowhere short of real time', { advanceSeconds: -3600 }, HOUR, 0],
  [
    'an advance back past real time is refused',
    { advanceSeconds: -3602 },
    HOUR,
    /before real time/,
  ],
  ['a time sets the offset from real time', { now: new Date(REAL + 5 * HOUR) }, HOUR, 5 * HOUR],
  ['a time within a second before real time is real time', { now: new Date(REAL - 500) }, HOUR, 0],
  ['a time before real time is refused', { now: new Date(REAL - 1001) }, 0, /before real time/],
  ['a reset is real time', { reset: true }, 7 * HOUR, 0],
  ['past 9999 is refused', { advanceSeconds: 1e12 }, 0, /9999/],
];

describe('offsetAfter', () => {
  for (const [name, change, current, expected] of CASES)
    it(name, () => {
      if (expected instanceof RegExp)
        assert.throws(
          () => offsetAfter(change, current, REAL),
          (e: unknown) => {
            assert.ok(e instanceof ClockChangeError);
            assert.match(e.message, expected);
            return true;
          },
        );
      else assert.equal(offsetAfter(change, current, REAL), expected);
    });
});
