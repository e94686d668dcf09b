/**
 * @module The wire errors: one class per modelled error of the API model, with its fault and
 * meterd's status, beside the protocol's own.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors as modelled } from '@meterd/model/metering';
import * as errors from './errors.js';

const classes = errors as unknown as Record<string, new (message: string) => errors.AwsError>;

describe('wire errors', () => {
  it('has a class for every modelled error, named as its shape, with its fault', () => {
    for (const { name, fault } of Object.values(modelled)) {
      const error = new classes[name]!('m');
      assert.ok(error instanceof errors.AwsError, name);
      assert.equal(error.name, name);
      assert.equal(classes[name]!.name, name);
      assert.equal(error.$fault, fault, name);
    }
  });

  it('answers each with its status', () => {
    const status = (name: string) => new classes[name]!('m').$status;
    for (const name of Object.keys(modelled))
      assert.equal(
        status(name),
        name === 'IdempotencyConflictException'
          ? 409
          : name === 'InternalServiceErrorException'
            ? 500
            : 400,
        name,
      );
    assert.equal(new errors.InternalServiceErrorException('m').$fault, 'server');
    assert.equal(status('DryRunOperation'), 412);
    assert.equal(status('UnsupportedMediaTypeException'), 415);
    assert.equal(status('RequestEntityTooLargeException'), 413);
    assert.equal(status('RequestTimeoutException'), 408);
    assert.equal(status('RequestHeaderFieldsTooLargeException'), 431);
    assert.equal(status('UnrecognizedClientException'), 400);
  });

  it('makes anything else thrown an InternalServiceErrorException', () => {
    const wire = errors.toWireError(new Error('boom'));
    assert.ok(wire instanceof errors.InternalServiceErrorException);
    assert.equal(wire.message, 'An internal error occurred. Please retry.');
  });
});
