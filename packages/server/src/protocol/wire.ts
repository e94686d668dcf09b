/**
 * @module AWS JSON 1.1 framing: the target header, body parsing, and output serialization
 * (Dates become epoch seconds, undefined members are left out).
 */

import {
  SerializationException,
  UnknownOperationException,
  UnsupportedMediaTypeException,
} from './errors.js';
import type { OperationName } from './shapes.js';
import { inputShapes } from './shapes.js';

export const CONTENT_TYPE = 'application/x-amz-json-1.1';
export const TARGET_PREFIX = 'AWSMPMeteringService';
export const MAX_BODY_BYTES = 1024 * 1024;

/** The operation named by `X-Amz-Target`, or `UnknownOperationException`. */
export function operationOf(target: string | undefined): OperationName {
  const [prefix, name] = (target ?? '').split('.', 2);
  if (prefix === TARGET_PREFIX && name && Object.hasOwn(inputShapes, name))
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
  throw new UnsupportedMediaTypeException(
    `Unsupported Media Type: '${contentType ?? ''}'; expected ${CONTENT_TYPE}.`,
  );
}

/** Parses a request body; an empty body is `{}`, anything but a JSON object is refused. */
export function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
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
  return value;
}

/** Serializes an output structure: Dates as epoch seconds, undefined members dropped. */
export function serializeOutput(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });
}
