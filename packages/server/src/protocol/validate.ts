/**
 * @module Turns a parsed JSON body into an operation's typed input, following the API model:
 * wrong JSON types are a `SerializationException`, constraint violations one
 * `ValidationException` listing them all in AWS's wording and paths.
 */

import { SerializationException, ValidationException } from './errors.js';
import type { OperationName, OperationTypes, Shape } from './shapes.js';
import { inputShapes } from './shapes.js';

const MAX_DEPTH = 16;

/** Validates `body` against the input shape of `operation` and converts timestamps to Dates. */
export function parseInput<O extends OperationName>(
  operation: O,
  body: unknown,
): OperationTypes[O][0] {
  const violations: string[] = [];
  const value = convert(inputShapes[operation], body, '', violations, 0);
  if (violations.length > 0) {
    const count = violations.length;
    throw new ValidationException(
      `${count} validation error${count === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
    );
  }
  return value as OperationTypes[O][0];
}

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function fail(violations: string[], path: string, value: unknown, constraint: string) {
  const shown = value === null || value === undefined ? 'null' : `'${show(value)}'`;
  violations.push(`Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
}

function typeError(path: string, expected: string, value: unknown): never {
  const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
  throw new SerializationException(
    `Expected ${expected} at '${path || 'input'}' but found ${got}.`,
  );
}

function checkLength(
  violations: string[],
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
  violations: string[],
  depth: number,
): unknown {
  if (depth > MAX_DEPTH) throw new SerializationException('Input is nested too deeply.');
  switch (shape.kind) {
    case 'string': {
      if (typeof value !== 'string') typeError(path, 'a string', value);
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
