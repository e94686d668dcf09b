/**
 * @module Turns a parsed JSON body into an operation's typed input, following the API model:
 * wrong JSON types are a `SerializationException`, constraint violations one
 * `ValidationException` in AWS's wording and paths. The message lists at most
 * `MAX_LISTED` violations and shows long values cut short, so that a hostile body cannot make
 * the answer (and its audit event) many times larger than itself.
 */

import { SerializationException, validationErrorOf } from './errors.js';
import { serviceOf } from './services.js';
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
// Quick checks before the exact ones: most strings hold neither NUL nor any surrogate.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this finds
const NUL_OR_SURROGATE = /[\u0000\uD800-\uDFFF]/;
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Where a value sits (a member of its parent, or a list's 1-based item), worded as AWS words it
 * (`usageRecords.1.member.quantity`) only when a violation is reported.
 */
interface Path {
  up: Path | undefined;
  member: string | undefined;
  item: number;
}
const ROOT: Path | undefined = undefined;

function pathText(path: Path | undefined): string {
  if (!path) return '';
  const up = pathText(path.up);
  const own = path.member ?? `${path.item}.member`;
  return up ? `${up}.${own}` : own;
}

interface Member {
  name: string;
  shape: Shape;
  /** Its name in violation paths: the first letter in lower case. */
  pathName: string;
  required: boolean;
}
const membersOf = new WeakMap<Shape, Member[]>();
function members(shape: Extract<Shape, { kind: 'structure' }>): Member[] {
  let list = membersOf.get(shape);
  if (!list) {
    list = Object.entries(shape.members).map(([name, member]) => ({
      name,
      shape: member,
      pathName: name.charAt(0).toLowerCase() + name.slice(1),
      required: shape.required?.includes(name) ?? false,
    }));
    membersOf.set(shape, list);
  }
  return list;
}

/** The violations found so far: the first `MAX_LISTED` worded, the rest only counted. */
class Violations {
  readonly listed: string[] = [];
  count = 0;
  add(text: () => string) {
    if (this.count++ < MAX_LISTED) this.listed.push(text());
  }
}

/**
 * Validates `body` against the input shape of `operation` and converts timestamps to Dates.
 * Constraint violations are the error the operation's service answers them with
 * (`ValidationException`, or the entitlement service's `InvalidParameterException`).
 */
export function parseInput<O extends OperationName>(
  operation: O,
  body: unknown,
): OperationTypes[O][0] {
  const violations = new Violations();
  const value = convert(inputShapes[operation], body, ROOT, violations, 0);
  const { count, listed } = violations;
  if (count > 0) {
    const more = count > listed.length ? `; and ${count - listed.length} more` : '';
    const Invalid = validationErrorOf(serviceOf(operation));
    throw new Invalid(
      `${count} validation error${count === 1 ? '' : 's'} detected: ${listed.join('; ')}${more}`,
    );
  }
  return value as OperationTypes[O][0];
}

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

function fail(violations: Violations, path: Path | undefined, value: unknown, constraint: string) {
  violations.add(() => {
    const shown = value === null || value === undefined ? 'null' : `'${show(value)}'`;
    return `Value ${shown} at '${pathText(path)}' failed to satisfy constraint: ${constraint}`;
  });
}

function typeError(path: Path | undefined, expected: string, value: unknown): never {
  const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
  throw new SerializationException(
    `Expected ${expected} at '${pathText(path) || 'input'}' but found ${got}.`,
  );
}

function checkLength(
  violations: Violations,
  path: Path | undefined,
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
  path: Path | undefined,
  violations: Violations,
  depth: number,
): unknown {
  if (depth > MAX_DEPTH) throw new SerializationException('Input is nested too deeply.');
  switch (shape.kind) {
    case 'string': {
      if (typeof value !== 'string') typeError(path, 'a string', value);
      const unusual = NUL_OR_SURROGATE.test(value);
      if (shape.identifier && unusual && (NUL.test(value) || UNPAIRED_SURROGATE.test(value)))
        fail(
          violations,
          path,
          value,
          'Member must not contain the NUL character (U+0000) or unpaired surrogates',
        );
      // Lengths count code points: a surrogate pair is one character.
      const length = unusual && SURROGATE.test(value) ? [...value].length : value.length;
      checkLength(violations, path, value, length, shape.min, shape.max);
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
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) typeError(path, 'a number', value);
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
      return value.map((item, i) => {
        const at: Path = { up: path, member: undefined, item: i + 1 };
        if (item !== null) return convert(shape.member, item, at, violations, depth + 1);
        fail(violations, at, null, 'Member must not be null');
        return null;
      });
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        typeError(path, 'a map', value);
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(violations, path, value, entries.length, shape.min, shape.max);
      const output: Record<string, unknown> = {};
      for (const [key, item] of entries) {
        const at: Path = { up: path, member: key, item: 0 };
        convert(shape.key, key, at, violations, depth + 1);
        if (item === null || item === undefined)
          fail(violations, at, null, 'Member must not be null');
        else output[key] = convert(shape.value, item, at, violations, depth + 1);
      }
      return output;
    }
    case 'structure': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        typeError(path, 'an object', value);
      const input = value as Record<string, unknown>;
      const output: Record<string, unknown> = {};
      for (const member of members(shape)) {
        const item = input[member.name];
        const at: Path = { up: path, member: member.pathName, item: 0 };
        if (item === undefined || item === null) {
          if (member.required) fail(violations, at, null, 'Member must not be null');
          continue;
        }
        output[member.name] = convert(member.shape, item, at, violations, depth + 1);
      }
      return output;
    }
  }
}
