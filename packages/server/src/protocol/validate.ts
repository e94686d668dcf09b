/**
 * @module Turns a parsed JSON body into an operation's typed input, following the API model:
 * wrong JSON types are a `SerializationException`, constraint violations one
 * `ValidationException` in AWS's wording and paths. The message lists at most
 * `MAX_LISTED` violations and shows long values cut short, so that a hostile body cannot make
 * the answer (and its audit event) many times larger than itself.
 */

import { SerializationException, ValidationException } from './errors.js';
import type { OperationName, OperationTypes, Shape } from './shapes.js';
import { inputShapes } from './shapes.js';

const MAX_DEPTH = 16;
/** Violations named in the message; the count still covers them all. */
const MAX_LISTED = 10;
/** Characters of a value shown in a violation. */
const MAX_SHOWN = 256;
// What text meterd's databases cannot hold as sent: PostgreSQL text has no NUL, and an unpaired
// surrogate (not Unicode) would be stored as U+FFFD, so that different values would match.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this finds
export const NUL = /\u0000/;
export const UNPAIRED_SURROGATE = /\p{Cs}/u;

/** The violations found so far: the first `MAX_LISTED` worded, the rest only counted. */
class Violations {
  readonly listed: string[] = [];
  count = 0;
  add(text: () => string) {
    if (this.count++ < MAX_LISTED) this.listed.push(text());
  }
}

/** Validates `body` against the input shape of `operation` and converts timestamps to Dates. */
export function parseInput<O extends OperationName>(
  operation: O,
  body: unknown,
): OperationTypes[O][0] {
  const violations = new Violations();
  const value = convert(inputShapes[operation], body, '', violations, 0);
  const { count, listed } = violations;
  if (count > 0) {
    const more = count > listed.length ? `; and ${count - listed.length} more` : '';
    throw new ValidationException(
      `${count} validation error${count === 1 ? '' : 's'} detected: ${listed.join('; ')}${more}`,
    );
  }
  return value as OperationTypes[O][0];
}

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/** A value as AWS shows it in a violation (lists as `[a, b]`), at most about `budget` long. */
function show(value: unknown, budget = MAX_SHOWN): string {
  let text: string;
  if (Array.isArray(value)) {
    const parts: string[] = [];
    let length = 0;
    for (const item of value) {
      if (length > budget) break;
      const part = show(item, budget - length);
      parts.push(part);
      length += part.length + 2;
    }
    text = `[${parts.join(', ')}${parts.length < value.length ? ', ...' : ''}]`;
  } else if (value !== null && typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text.length > budget ? `${text.slice(0, budget)}...` : text;
}

function fail(violations: Violations, path: string, value: unknown, constraint: string) {
  violations.add(() => {
    const shown = value === null || value === undefined ? 'null' : `'${show(value)}'`;
    return `Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`;
  });
}

function typeError(path: string, expected: string, value: unknown): never {
  const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
  throw new SerializationException(
    `Expected ${expected} at '${path || 'input'}' but found ${got}.`,
  );
}

function checkLength(
  violations: Violations,
  path: string,
  value: unknown,
  length: number,
  min?: number,
  max?: number,
) {
  if (min !== undefined && length < min)
    fail(violations, path, value, `Member must have length greater than or equal to ${min}`);
  if (max !== undefined && length > max)
    fail(violations, path, value, `Member must have length less than or equal to ${max}`);
}

function convert(
  shape: Shape,
  value: unknown,
  path: string,
  violations: Violations,
  depth: number,
): unknown {
  if (depth > MAX_DEPTH) throw new SerializationException('Input is nested too deeply.');
  switch (shape.kind) {
    case 'string': {
      if (typeof value !== 'string') typeError(path, 'a string', value);
      if (shape.identifier && (NUL.test(value) || UNPAIRED_SURROGATE.test(value)))
        fail(
          violations,
          path,
          value,
          'Member must not contain the NUL character (U+0000) or unpaired surrogates',
        );
      checkLength(violations, path, value, [...value].length, shape.min, shape.max);
      if (shape.pattern && !shape.pattern.test(value))
        fail(
          violations,
          path,
          value,
          `Member must satisfy regular expression pattern: ${shape.pattern.source}`,
        );
      if (shape.enum && !shape.enum.includes(value))
        fail(violations, path, value, `Member must satisfy enum value set: [${shape.enum}]`);
      return value;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value))
        typeError(path, 'an integer', value);
      if (shape.min !== undefined && value < shape.min)
        fail(
          violations,
          path,
          value,
          `Member must have value greater than or equal to ${shape.min}`,
        );
      if (shape.max !== undefined && value > shape.max)
        fail(violations, path, value, `Member must have value less than or equal to ${shape.max}`);
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') typeError(path, 'a boolean', value);
      return value;
    case 'timestamp': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        typeError(path, 'a timestamp in epoch seconds', value);
      const date = new Date(Math.round(value * 1000));
      if (Number.isNaN(date.getTime())) typeError(path, 'a timestamp in epoch seconds', value);
      return date;
    }
    case 'list': {
      if (!Array.isArray(value)) typeError(path, 'a list', value);
      checkLength(violations, path, value, value.length, shape.min, shape.max);
      return value.map((item, i) =>
        item === null
          ? (fail(violations, `${path}.${i + 1}.member`, null, 'Member must not be null'), null)
          : convert(shape.member, item, `${path}.${i + 1}.member`, violations, depth + 1),
      );
    }
    case 'structure': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        typeError(path, 'an object', value);
      const input = value as Record<string, unknown>;
      const output: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(shape.members)) {
        const memberPath = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
        const item = input[name];
        if (item === undefined || item === null) {
          if (shape.required?.includes(name))
            fail(violations, memberPath, null, 'Member must not be null');
          continue;
        }
        output[name] = convert(member, item, memberPath, violations, depth + 1);
      }
      return output;
    }
  }
}
