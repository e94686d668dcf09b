/** @module Which listening addresses count as loopback, where the demo's published secrets work. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback } from './demo.js';

const CASES: Array<[host: string, loopback: boolean]> = [
  ['127.0.0.1', true],
  ['127.1.2.3', true],
  ['localhost', true],
  ['LOCALHOST', true],
  ['::1', true],
  ['[::1]', true],
  ['::ffff:127.0.0.1', true],
  ['0.0.0.0', false],
  ['::', false],
  ['10.0.0.5', false],
  ['128.0.0.1', false],
  ['127.example.com', false],
  ['meterd.internal', false],
];

describe('isLoopback', () => {
  for (const [host, loopback] of CASES)
    it(`${host}: ${loopback ? 'loopback' : 'beyond loopback'}`, () => {
      assert.equal(isLoopback(host), loopback);
    });
});
