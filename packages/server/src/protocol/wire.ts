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
  if (dot > 0 && prefix === TARGET_PREFIX && Object.hasOwn(inputShapes, name))
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
  return write(value) as string;
}

const epochSeconds = function (this: Record<string, unknown>, key: string, v: unknown) {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : v;
};

// What JSON.stringify would write, with Dates as epoch seconds, in one pass without copies
// (a replacer function costs a call per member). Only what outputs hold is expected: objects,
// arrays, strings, numbers, booleans, null, undefined and Dates; anything else (an object with
// its own toJSON, a bigint) goes to JSON.stringify with the equivalent replacer.
function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof Date) return write(value.getTime() / 1000);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${write(value[i]) ?? 'null'}`;
        return `${out}]`;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return JSON.stringify(value, epochSeconds);
      let out = '{';
      for (const key of Object.keys(value)) {
        const member = write((value as Record<string, unknown>)[key]);
        if (member !== undefined)
          out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${member}`;
      }
      return `${out}}`;
    }
    case 'bigint':
      return JSON.stringify(value, epochSeconds);
    default:
      return undefined;
  }
}
