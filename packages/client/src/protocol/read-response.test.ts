import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  IdempotencyConflictException,
  InternalServiceErrorException,
  InvalidTokenException,
} from '../errors.js';
import { MarketplaceMeteringServiceException } from '../errors.js';
import { OPERATIONS } from '../model/shapes.js';
import { readResponse, type WireResponse } from './read-response.js';

const response = (
  status: number,
  body: string,
  headers: Record<string, string> = {},
): WireResponse => ({
  status,
  headers: { 'x-amzn-requestid': 'rid-7', ...headers },
  body: Buffer.from(body),
});
const progress = { attempts: 2, totalRetryDelay: 150 };
const output = OPERATIONS.ResolveCustomer.output;

function thrown(r: WireResponse): MarketplaceMeteringServiceException {
  try {
    readResponse(output, r, progress);
  } catch (err) {
    assert.ok(err instanceof MarketplaceMeteringServiceException);
    return err;
  }
  assert.fail('no error thrown');
}

describe('readResponse', () => {
  test('a 200 becomes the output with $metadata', () => {
    const out = readResponse(
      output,
      response(200, '{"CustomerIdentifier":"c","ProductCode":"p"}'),
      progress,
    );
    assert.deepEqual(out, {
      CustomerIdentifier: 'c',
      ProductCode: 'p',
      $metadata: { httpStatusCode: 200, requestId: 'rid-7', attempts: 2, totalRetryDelay: 150 },
    });
  });

  const modelled: [number, string, new (...a: never[]) => Error, 'client' | 'server'][] = [
    [400, 'InvalidTokenException', InvalidTokenException, 'client'],
    [409, 'IdempotencyConflictException', IdempotencyConflictException, 'client'],
    [500, 'InternalServiceErrorException', InternalServiceErrorException, 'server'],
  ];
  for (const [status, type, ErrorClass, fault] of modelled) {
    test(`a ${status} ${type} becomes its class`, () => {
      const err = thrown(
        response(status, JSON.stringify({ __type: `com.amazonaws#${type}`, message: 'why' })),
      );
      assert.ok(err instanceof ErrorClass);
      assert.equal(err.name, type);
      assert.equal(err.message, 'why');
      assert.equal(err.$fault, fault);
      assert.equal(err.$httpStatus, status);
      assert.equal(err.requestId, 'rid-7');
      assert.deepEqual(err.$metadata, {
        httpStatusCode: status,
        requestId: 'rid-7',
        attempts: 2,
        totalRetryDelay: 150,
      });
    });
  }

  test('an unmodelled code becomes the generic class named after it', () => {
    const err = thrown(
      response(400, '{"__type":"ValidationException","Message":"1 validation error detected"}'),
    );
    assert.equal(err.constructor, MarketplaceMeteringServiceException);
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, '1 validation error detected');
    assert.equal(err.$fault, 'client');
  });

  test('a code that is an Object.prototype member does not pick up a prototype function', () => {
    const err = thrown(response(400, '{"__type":"constructor","message":"odd"}'));
    assert.equal(err.constructor, MarketplaceMeteringServiceException);
    assert.equal(err.name, 'constructor');
  });

  test('a 502 with an HTML body is an Unknown server fault carrying the text', () => {
    const err = thrown(response(502, '<html>Bad Gateway</html>'));
    assert.equal(err.name, 'Unknown');
    assert.equal(err.$fault, 'server');
    assert.equal(err.message, '<html>Bad Gateway</html>');
  });

  test('the header names the error when the body does not', () => {
    const err = thrown(response(400, '{}', { 'x-amzn-errortype': 'ThrottlingException' }));
    assert.equal(err.name, 'ThrottlingException');
    assert.equal(err.message, 'UnknownError');
  });

  test('a 200 that is not JSON is an InvalidResponse', () => {
    const err = thrown(response(200, 'not json'));
    assert.equal(err.name, 'InvalidResponse');
  });
});
