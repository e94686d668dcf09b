import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  IdempotencyConflictException,
  InternalServiceErrorException,
  InvalidTokenException,
  MarketplaceMeteringServiceException,
} from '../errors.js';
import { OPERATIONS } from '../model/shapes.js';
import {
  deserialize,
  errorCode,
  readResponse,
  sanitizeErrorCode,
  serialize,
  wireOrder,
  type WireResponse,
} from './aws-json.js';

describe('serialize', () => {
  test('timestamps become epoch seconds, fractions kept', () => {
    const body = serialize(OPERATIONS.MeterUsage.input, {
      ProductCode: 'acme-ami',
      Timestamp: new Date(Date.UTC(2025, 10, 23, 1, 0, 0, 250)),
      UsageDimension: 'hours',
    });
    assert.equal(
      body,
      '{"ProductCode":"acme-ami","Timestamp":1763859600.25,"UsageDimension":"hours"}',
    );
  });

  test('members go required first, then in model order; unknown and undefined members are left out', () => {
    const body = serialize(OPERATIONS.BatchMeterUsage.input, {
      ProductCode: 'acme-saas',
      Unknown: 1,
      UsageRecords: [
        {
          Quantity: 0,
          CustomerIdentifier: 'c',
          Dimension: 'requests',
          Timestamp: new Date(Date.UTC(2025, 10, 23)),
          LicenseArn: undefined,
          UsageAllocations: [{ Tags: [{ Value: 'v', Key: 'k' }], AllocatedUsageQuantity: 0 }],
        },
      ],
    });
    assert.equal(
      body,
      '{"UsageRecords":[{"Timestamp":1763856000,"Dimension":"requests","CustomerIdentifier":"c","Quantity":0,' +
        '"UsageAllocations":[{"AllocatedUsageQuantity":0,"Tags":[{"Key":"k","Value":"v"}]}]}],"ProductCode":"acme-saas"}',
    );
  });

  test('false and zero are sent, null is not', () => {
    const body = serialize(OPERATIONS.MeterUsage.input, {
      ProductCode: 'p',
      Timestamp: new Date(0),
      UsageDimension: 'd',
      UsageQuantity: 0,
      DryRun: false,
      ClientToken: null,
    });
    assert.equal(
      body,
      '{"ProductCode":"p","Timestamp":0,"UsageDimension":"d","UsageQuantity":0,"DryRun":false}',
    );
  });

  test('an empty input is {}', () => {
    assert.equal(serialize(OPERATIONS.ResolveCustomer.input, undefined), '{}');
  });

  test('wireOrder', () => {
    assert.deepEqual(wireOrder(OPERATIONS.RegisterUsage.input), [
      'ProductCode',
      'PublicKeyVersion',
      'Nonce',
    ]);
  });
});

describe('deserialize', () => {
  test('epoch seconds inside nested lists become Dates; unknown members are dropped', () => {
    const out = deserialize(OPERATIONS.BatchMeterUsage.output, {
      Results: [
        {
          UsageRecord: {
            Timestamp: 1763859600.25,
            Dimension: 'requests',
            Quantity: 2,
            Extra: true,
          },
          MeteringRecordId: 'm-1',
          Status: 'Success',
        },
      ],
      UnprocessedRecords: [{ Timestamp: '1763859600', Dimension: 'storage_gb' }],
      Surprise: 'ignored',
    });
    assert.deepEqual(out, {
      Results: [
        {
          UsageRecord: {
            Timestamp: new Date(Date.UTC(2025, 10, 23, 1, 0, 0, 250)),
            Dimension: 'requests',
            Quantity: 2,
          },
          MeteringRecordId: 'm-1',
          Status: 'Success',
        },
      ],
      UnprocessedRecords: [
        { Timestamp: new Date(Date.UTC(2025, 10, 23, 1)), Dimension: 'storage_gb' },
      ],
    });
  });

  test('an optional timestamp is absent when the body leaves it out or sends null', () => {
    assert.deepEqual(
      deserialize(OPERATIONS.RegisterUsage.output, {
        Signature: 's',
        PublicKeyRotationTimestamp: null,
      }),
      {
        Signature: 's',
      },
    );
  });

  test('an ISO date string is read too', () => {
    const out = deserialize(OPERATIONS.RegisterUsage.output, {
      PublicKeyRotationTimestamp: '2025-11-23T01:00:00Z',
    });
    assert.deepEqual(out, { PublicKeyRotationTimestamp: new Date('2025-11-23T01:00:00Z') });
  });

  test('an empty body is an empty output', () => {
    assert.deepEqual(deserialize(OPERATIONS.MeterUsage.output, {}), {});
  });
});

describe('error codes', () => {
  const raw: [string, string][] = [
    ['ThrottlingException', 'ThrottlingException'],
    ['com.amazonaws.marketplacemetering#InvalidTokenException', 'InvalidTokenException'],
    ['InvalidTokenException:http://internal.amazon.com/coral/', 'InvalidTokenException'],
    [
      'aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/',
      'FooError',
    ],
    ['FooError,BarError', 'FooError'],
  ];
  for (const [input, expected] of raw) {
    test(`sanitizes ${input}`, () => assert.equal(sanitizeErrorCode(input), expected));
  }

  test('__type comes first, then code, then the x-amzn-ErrorType header', () => {
    const header = { 'x-amzn-errortype': 'HeaderError:http://x' };
    assert.equal(errorCode({ __type: 'ns#TypeError', code: 'CodeError' }, header), 'TypeError');
    assert.equal(errorCode({ Code: 'CodeError' }, header), 'CodeError');
    assert.equal(errorCode({}, header), 'HeaderError');
    assert.equal(errorCode(undefined, {}), undefined);
  });
});

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
