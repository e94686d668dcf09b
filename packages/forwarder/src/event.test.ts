/** @module Event checks: each refusal has its reason; accepted events are normalised. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventsOf, parseEvent } from './event.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const good = {
  id: 'e1',
  productCode: 'p',
  customerIdentifier: 'c',
  dimension: 'd',
  quantity: 1,
  timestamp: '2026-06-01T11:10:00Z',
};

describe('parseEvent', () => {
  it('accepts ISO and epoch-second timestamps, and sorts tags', () => {
    const e = parseEvent({ ...good, timestamp: NOW / 1000 - 60, tags: { z: '1', a: '2' } }, NOW);
    assert.ok(typeof e !== 'string');
    assert.equal(e.time, NOW - 60_000);
    assert.deepEqual(e.tags, [
      { Key: 'a', Value: '2' },
      { Key: 'z', Value: '1' },
    ]);
    assert.equal((parseEvent(good, NOW) as { time: number }).time, Date.UTC(2026, 5, 1, 11, 10));
  });

  const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no id', { id: undefined }, /^id must be a string/],
    ['no product or licence', { productCode: undefined }, /productCode or licenseArn is required/],
    ['a bad licence', { licenseArn: 'nope' }, /licenseArn "nope" is not valid/],
    ['both customers', { customerAWSAccountId: '123456789012' }, /exactly one of/],
    [
      'a short account id',
      { customerIdentifier: undefined, customerAWSAccountId: '1234' },
      /12 digits/,
    ],
    ['no dimension', { dimension: '' }, /dimension must not be empty/],
    ['a negative quantity', { quantity: -1 }, /quantity must be a whole number/],
    ['a fractional quantity', { quantity: 1.5 }, /quantity must be a whole number/],
    ['a quantity above 2^31 − 1', { quantity: 2 ** 31 }, /quantity must be a whole number/],
    ['no timestamp', { timestamp: undefined }, /timestamp is required/],
    ['a bad timestamp', { timestamp: '2026-13-45T00:00:00Z' }, /not a valid time/],
    ['a future timestamp', { timestamp: NOW / 1000 + 600 }, /more than 5 minutes in the future/],
    ['six tags', { tags: { a: '1', b: '1', c: '1', d: '1', e: '1', f: '1' } }, /at most 5 tags/],
    ['a tag with a bad character', { tags: { 'a{b': '1' } }, /tag key "a{b" is not valid/],
    ['an empty tag value', { tags: { a: '' } }, /tag value must not be empty/],
    [
      'a repeated tag key',
      {
        tags: [
          { Key: 'a', Value: '1' },
          { key: 'a', value: '2' },
        ],
      },
      /appears twice/,
    ],
  ];
  for (const [what, change, reason] of refusals)
    it(`refuses ${what}`, () => {
      const e = parseEvent({ ...good, ...change }, NOW);
      assert.equal(typeof e, 'string');
      assert.match(e as string, reason);
    });

  it('refuses what is not an object', () => {
    assert.equal(parseEvent([1], NOW), 'an event must be a JSON object');
    assert.equal(parseEvent(null, NOW), 'an event must be a JSON object');
  });
});

describe('eventsOf', () => {
  it('reads {"events": [...]}, and refuses other bodies', () => {
    assert.deepEqual(eventsOf({ events: [good] }, false), [good]);
    assert.equal(eventsOf([good], false), 'the body must be {"events": [...]}');
  });

  it("reads a CloudEvents batch, the usage in each data, the CloudEvent's id and time as defaults", () => {
    const [e] = eventsOf(
      [
        {
          specversion: '1.0',
          id: 'ce-1',
          source: 'app',
          type: 'usage',
          time: '2026-06-01T11:00:00Z',
          data: { ...good, id: undefined, timestamp: undefined },
        },
      ],
      true,
    ) as Array<Record<string, unknown>>;
    const parsed = parseEvent(e, NOW);
    assert.ok(typeof parsed !== 'string', String(parsed));
    assert.equal(parsed.id, 'ce-1');
    assert.equal(parsed.time, Date.UTC(2026, 5, 1, 11));
    assert.equal(eventsOf({}, true), 'a CloudEvents batch must be a JSON array');
  });
});
