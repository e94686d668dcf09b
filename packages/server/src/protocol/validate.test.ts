/**
 * @module Input validation against the API model: AWS's wording and member paths, as a table.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SerializationException, ValidationException } from './errors.js';
import type { OperationName } from './shapes.js';
import { parseInput } from './validate.js';

const T = 1763859600;
const record = (over: Record<string, unknown> = {}) => ({
  Timestamp: T,
  CustomerAWSAccountId: '222222222222',
  Dimension: 'requests',
  Quantity: 1,
  ...over,
});
const batch = (over: Record<string, unknown> = {}) => ({
  ProductCode: 'acme-saas',
  UsageRecords: [record(over)],
});
const allocation = (over: Record<string, unknown> = {}) =>
  batch({ UsageAllocations: [{ AllocatedUsageQuantity: 1, ...over }] });
const ONE = '1 validation error detected: ';

describe('parseInput: ValidationException', () => {
  // [what, operation, body, the exact message]
  const cases: Array<[string, OperationName, unknown, string]> = [
    [
      'a missing required list',
      'BatchMeterUsage',
      {},
      `${ONE}Value null at 'usageRecords' failed to satisfy constraint: Member must not be null`,
    ],
    [
      'a null required list',
      'BatchMeterUsage',
      { UsageRecords: null },
      `${ONE}Value null at 'usageRecords' failed to satisfy constraint: Member must not be null`,
    ],
    [
      'a negative quantity',
      'BatchMeterUsage',
      batch({ Quantity: -1 }),
      `${ONE}Value '-1' at 'usageRecords.1.member.quantity' failed to satisfy constraint: Member must have value greater than or equal to 0`,
    ],
    [
      'a quantity over 2^31-1',
      'BatchMeterUsage',
      batch({ Quantity: 2147483648 }),
      `${ONE}Value '2147483648' at 'usageRecords.1.member.quantity' failed to satisfy constraint: Member must have value less than or equal to 2147483647`,
    ],
    [
      'an empty dimension',
      'BatchMeterUsage',
      batch({ Dimension: '' }),
      `${ONE}Value '' at 'usageRecords.1.member.dimension' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    ],
    [
      'a dimension of 256 characters',
      'BatchMeterUsage',
      batch({ Dimension: 'd'.repeat(256) }),
      `${ONE}Value '${'d'.repeat(256)}' at 'usageRecords.1.member.dimension' failed to satisfy constraint: Member must have length less than or equal to 255`,
    ],
    [
      'a product code outside the pattern',
      'BatchMeterUsage',
      { ProductCode: 'bad code!', UsageRecords: [] },
      `${ONE}Value 'bad code!' at 'productCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[-a-zA-Z0-9/=:_.@]*$`,
    ],
    [
      'a non-numeric account id',
      'BatchMeterUsage',
      batch({ CustomerAWSAccountId: 'abc' }),
      `${ONE}Value 'abc' at 'usageRecords.1.member.customerAWSAccountId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9]+$`,
    ],
    [
      'a record missing its timestamp and dimension',
      'BatchMeterUsage',
      { UsageRecords: [{ CustomerAWSAccountId: '222222222222' }] },
      "2 validation errors detected: Value null at 'usageRecords.1.member.timestamp' failed to satisfy constraint: Member must not be null; Value null at 'usageRecords.1.member.dimension' failed to satisfy constraint: Member must not be null",
    ],
    [
      'a null record',
      'BatchMeterUsage',
      { UsageRecords: [record(), null] },
      `${ONE}Value null at 'usageRecords.2.member' failed to satisfy constraint: Member must not be null`,
    ],
    [
      'six tags, in the third record',
      'BatchMeterUsage',
      {
        UsageRecords: [
          record(),
          record(),
          record({
            UsageAllocations: [
              {
                AllocatedUsageQuantity: 1,
                Tags: Array.from({ length: 6 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })),
              },
            ],
          }),
        ],
      },
      `${ONE}Value '[{"Key":"k0","Value":"v"}, {"Key":"k1","Value":"v"}, {"Key":"k2","Value":"v"}, {"Key":"k3","Value":"v"}, {"Key":"k4","Value":"v"}, {"Key":"k5","Value":"v"}]' at 'usageRecords.3.member.usageAllocations.1.member.tags' failed to satisfy constraint: Member must have length less than or equal to 5`,
    ],
    [
      'a tag key of 101 characters',
      'BatchMeterUsage',
      allocation({ Tags: [{ Key: 'k'.repeat(101), Value: 'v' }] }),
      `${ONE}Value '${'k'.repeat(101)}' at 'usageRecords.1.member.usageAllocations.1.member.tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 100`,
    ],
    [
      'a tag without a value',
      'BatchMeterUsage',
      allocation({ Tags: [{ Key: 'k' }] }),
      `${ONE}Value null at 'usageRecords.1.member.usageAllocations.1.member.tags.1.member.value' failed to satisfy constraint: Member must not be null`,
    ],
    [
      'an empty allocation list',
      'BatchMeterUsage',
      batch({ UsageAllocations: [] }),
      `${ONE}Value '[]' at 'usageRecords.1.member.usageAllocations' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    ],
    [
      'an empty MeterUsage request',
      'MeterUsage',
      {},
      "3 validation errors detected: Value null at 'productCode' failed to satisfy constraint: Member must not be null; Value null at 'timestamp' failed to satisfy constraint: Member must not be null; Value null at 'usageDimension' failed to satisfy constraint: Member must not be null",
    ],
    [
      'a ClientToken of 65 characters',
      'MeterUsage',
      { ProductCode: 'p', Timestamp: T, UsageDimension: 'd', ClientToken: 't'.repeat(65) },
      `${ONE}Value '${'t'.repeat(65)}' at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64`,
    ],
    [
      'public key version 0',
      'RegisterUsage',
      { ProductCode: 'p', PublicKeyVersion: 0 },
      `${ONE}Value '0' at 'publicKeyVersion' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    ],
    [
      'a nonce of 256 characters',
      'RegisterUsage',
      { ProductCode: 'p', PublicKeyVersion: 1, Nonce: 'n'.repeat(256) },
      `${ONE}Value '${'n'.repeat(256)}' at 'nonce' failed to satisfy constraint: Member must have length less than or equal to 255`,
    ],
    [
      'an empty registration token',
      'ResolveCustomer',
      { RegistrationToken: '' },
      `${ONE}Value '' at 'registrationToken' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    ],
  ];
  for (const [what, operation, body, message] of cases)
    it(`${operation}: ${what}`, () => {
      assert.throws(
        () => parseInput(operation, body),
        (error: Error) => {
          assert.ok(error instanceof ValidationException, `${error.name}: ${error.message}`);
          assert.equal(error.message, message);
          return true;
        },
      );
    });

  it('counts lengths in characters, not UTF-16 units', () => {
    assert.doesNotThrow(() =>
      parseInput('BatchMeterUsage', batch({ Dimension: '😀'.repeat(255) })),
    );
  });

  it('counts every violation and joins those it lists with "; "', () => {
    assert.throws(
      () =>
        parseInput('BatchMeterUsage', { UsageRecords: Array(26).fill(record({ Quantity: -1 })) }),
      (error: Error) => {
        assert.match(error.message, /^27 validation errors detected: Value '\[/);
        const [first, ...rest] = error.message.split('; ');
        assert.match(
          first!,
          /at 'usageRecords' failed to satisfy constraint: Member must have length less than or equal to 25$/,
        );
        assert.ok(rest.length >= 1);
        rest.forEach((part, i) =>
          assert.match(
            part,
            new RegExp(
              `^Value '-1' at 'usageRecords\\.${i + 1}\\.member\\.quantity' |^and \\d+ more$`,
            ),
          ),
        );
        return true;
      },
    );
  });
});

describe('parseInput: SerializationException', () => {
  // [what, operation, body, path named in the message]
  const cases: Array<[string, OperationName, unknown, string]> = [
    [
      'a string timestamp',
      'BatchMeterUsage',
      batch({ Timestamp: '2026-01-01' }),
      'usageRecords.1.member.timestamp',
    ],
    [
      'an absurd timestamp',
      'BatchMeterUsage',
      batch({ Timestamp: 1e20 }),
      'usageRecords.1.member.timestamp',
    ],
    [
      'a fractional quantity',
      'BatchMeterUsage',
      batch({ Quantity: 1.5 }),
      'usageRecords.1.member.quantity',
    ],
    [
      'a string quantity',
      'BatchMeterUsage',
      batch({ Quantity: '1' }),
      'usageRecords.1.member.quantity',
    ],
    ['an object for a list', 'BatchMeterUsage', { UsageRecords: {} }, 'usageRecords'],
    ['a list for a structure', 'BatchMeterUsage', { UsageRecords: [[]] }, 'usageRecords.1.member'],
    ['a number for a string', 'ResolveCustomer', { RegistrationToken: 7 }, 'registrationToken'],
    [
      'a string for a boolean',
      'MeterUsage',
      { ProductCode: 'p', Timestamp: T, UsageDimension: 'd', DryRun: 'yes' },
      'dryRun',
    ],
    ['a list as the input', 'BatchMeterUsage', [], 'input'],
  ];
  for (const [what, operation, body, path] of cases)
    it(`${operation}: ${what}`, () => {
      assert.throws(
        () => parseInput(operation, body),
        (error: Error) => {
          assert.ok(error instanceof SerializationException, `${error.name}: ${error.message}`);
          assert.ok(error.message.includes(`'${path}'`), error.message);
          return true;
        },
      );
    });
});

describe('parseInput: conversion', () => {
  it('turns epoch seconds, fractions included, into Dates and drops unknown members', () => {
    const input = parseInput('BatchMeterUsage', {
      ProductCode: 'acme-saas',
      UsageRecords: [record({ Timestamp: T + 0.25, Extra: true })],
      Unknown: 1,
    });
    assert.deepEqual(input, {
      ProductCode: 'acme-saas',
      UsageRecords: [
        {
          Timestamp: new Date((T + 0.25) * 1000),
          CustomerAWSAccountId: '222222222222',
          Dimension: 'requests',
          Quantity: 1,
        },
      ],
    });
  });

  it('leaves optional members out rather than null', () => {
    const input = parseInput('MeterUsage', {
      ProductCode: 'p',
      Timestamp: T,
      UsageDimension: 'd',
      UsageQuantity: null,
    });
    assert.equal('UsageQuantity' in input, false);
  });
});
