/**
 * @module AWS JSON 1.1 framing: the target header (`<target prefix>.<operation>`, for each
 * service served), body parsing, output serialization (Dates become epoch seconds, undefined
 * members are left out) and the error answer.
 */

import {
  type AwsError,
  SerializationException,
  UnknownOperationException,
  UnsupportedMediaTypeException,
} from './errors.js';
import { METERING, serviceNamed, speaks } from './services.js';
import type { OperationName } from './shapes.js';

export const CONTENT_TYPE = `application/x-amz-json-${METERING.metadata.jsonVersion}`;
/** The metering service's target prefix (each service has its own). */
export const TARGET_PREFIX = METERING.metadata.targetPrefix;
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Deepest nesting of objects and arrays accepted in a body. The API model nests 7 deep; the
 * limit keeps a hostile body from overflowing the stack of whatever walks it next (the audit
 * trail keeps every rejected request).
 */
export const MAX_NESTING = 32;

/** The operation named by `X-Amz-Target`, or `UnknownOperationException`. */
export function operationOf(target: string | undefined): OperationName {
  const value = target ?? '';
  const dot = value.indexOf('.');
  const [prefix, name] = [value.slice(0, dot), value.slice(dot + 1)];
  const service = dot > 0 ? serviceNamed(prefix) : undefined;
  if (service && speaks(service, 'json') && service.operations.includes(name))
    return name as OperationName;
  throw new UnknownOperationException(
    target ? `Operation ${target} is not supported.` : 'Missing X-Amz-Target header.',
  );
}

/** Accepts the JSON content types AWS SDKs send; others are refused with a 415. */
export function checkContentType(contentType: string | undefined): void {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === CONTENT_TYPE || type === 'application/x-amz-json-1.0' || type === 'application/json')
    return;
  throw unsupportedMediaType(contentType);
}

/** The 415 of a content type meterd does not accept (or cannot even parse). */
export const unsupportedMediaType = (contentType: string | undefined) =>
  new UnsupportedMediaTypeException(
    `Unsupported Media Type: '${contentType ?? ''}'; expected ${CONTENT_TYPE}.`,
  );

/**
 * An error as AWS sends it: `{"__type", "message"}` in the JSON content type, the type again in
 * `x-amzn-ErrorType`, and the request id in `x-amzn-RequestId`. `status` defaults to the error's.
 */
export function errorResponse(error: AwsError, requestId: string, status = error.$status) {
  return {
    status,
    headers: {
      'content-type': CONTENT_TYPE,
      'x-amzn-ErrorType': error.name,
      'x-amzn-RequestId': requestId,
    },
    body: JSON.stringify({ __type: error.name, message: error.message }),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a request body; an empty body is `{}`, anything but a JSON object is refused. */
export function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new SerializationException('Request body is not valid UTF-8.');
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SerializationException('Request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SerializationException('Start of structure or map expected.');
  if (nestedDeeperThan(value, MAX_NESTING))
    throw new SerializationException(
      `Request body is nested more than ${MAX_NESTING} levels deep.`,
    );
  return value;
}

/** Whether objects and arrays in `value` nest more than `max` deep (an iterative walk). */
function nestedDeeperThan(value: object, max: number): boolean {
  const stack: Array<[object, number]> = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next;
    for (const child of Object.values(node))
      if (child !== null && typeof child === 'object') {
        if (depth >= max) return true;
        stack.push([child as object, depth + 1]);
      }
  }
  return false;
}

/** Serializes an output structure: Dates as epoch seconds, undefined members dropped. */
export function serializeOutput(value: unknown): string {
  return JSON.stringify(wireValue(value));
}

// A copy with Dates as epoch seconds, for the engine's own JSON.stringify: faster than writing
// JSON by hand or a replacer function (a call per member). Outputs hold only plain objects,
// arrays, strings, numbers, booleans, null, undefined and Dates.
function wireValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(wireValue);
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = wireValue((value as Record<string, unknown>)[key]);
  return out;
}
