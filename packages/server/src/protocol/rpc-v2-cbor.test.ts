/**
 * @module Reading RPC v2 CBOR bodies: what the SDK's decoder gives is turned into the form the
 * validator reads, without losing or inventing members.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cbor } from '@smithy/core/cbor';
import { SerializationException } from './errors.js';
import { parseCborBody } from './rpc-v2-cbor.js';
import { parseInput } from './validate.js';

const encoded = (value: unknown) => Buffer.from(cbor.serialize(value));

describe('parseCborBody', () => {
  it('refuses a byte string where text belongs, as SerializationException', () => {
    for (const body of [
      { ProductCode: new Uint8Array([0x61]) },
      { ProductCode: 'acme-saas', Filter: { DIMENSION: [new Uint8Array()] } },
    ])
      assert.throws(() => parseCborBody(encoded(body)), SerializationException);
  });

  it('keeps a __proto__ key as a key, so that a filter of that name is refused', () => {
    const body = JSON.parse(
      '{"ProductCode":"acme-saas","Filter":{"CUSTOMER_AWS_ACCOUNT_ID":["1"],"__proto__":["1"]}}',
    ) as unknown;
    const parsed = parseCborBody(encoded(body)) as { Filter: object };
    assert.deepEqual(Object.keys(parsed.Filter).sort(), ['CUSTOMER_AWS_ACCOUNT_ID', '__proto__']);
    assert.equal(Object.getPrototypeOf(parsed.Filter), Object.prototype);
    assert.throws(
      () => parseInput('GetEntitlements', parsed),
      /Member must satisfy enum value set/,
    );
  });

  it('lets no __proto__ key give the input members it does not have', () => {
    const body = JSON.parse('{"__proto__":{"ProductCode":"acme-saas"}}') as unknown;
    const parsed = parseCborBody(encoded(body)) as Record<string, unknown>;
    assert.equal(parsed.ProductCode, undefined);
    assert.deepEqual(Object.keys(parsed), ['__proto__']);
  });
});
