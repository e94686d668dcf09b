import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorCode, sanitizeErrorCode } from './error-code.js';

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
