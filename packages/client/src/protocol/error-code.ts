/**
 * @module Reads an error's code from an AWS JSON 1.1 error response, as the AWS SDKs do.
 */

/**
 * Cleans a raw error code: the part after `#` and before `:` (and before `,`).
 *
 * @example
 * sanitizeErrorCode('aws.protocoltests#ThrottlingException:http://internal'); // 'ThrottlingException'
 */
export function sanitizeErrorCode(raw: string | number): string {
  let code = String(raw);
  code = code.split(',')[0] ?? code;
  code = code.split(':')[0] ?? code;
  if (code.includes('#')) code = code.split('#')[1] ?? code;
  return code;
}

/**
 * The error code of a response: the body's `__type`, else its `code`, else the
 * `x-amzn-ErrorType` header; `undefined` when none is there.
 *
 * @example
 * errorCode({ __type: 'ValidationException', message: 'bad' }, {}); // 'ValidationException'
 */
export function errorCode(
  body: Record<string, unknown> | undefined,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const type = body?.__type;
  if (typeof type === 'string' || typeof type === 'number') return sanitizeErrorCode(type);
  const codeKey = body && Object.keys(body).find((k) => k.toLowerCase() === 'code');
  const code = codeKey ? body[codeKey] : undefined;
  if (typeof code === 'string' || typeof code === 'number') return sanitizeErrorCode(code);
  const header = headers['x-amzn-errortype'];
  const value = Array.isArray(header) ? header[0] : header;
  return value ? sanitizeErrorCode(value) : undefined;
}
