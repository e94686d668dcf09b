/**
 * @module Turns an AWS JSON 1.1 response body into an operation's output: known members only, epoch seconds as `Date`.
 */
import type { Shape, StructureShape } from '../model/shapes.js';

function parseTimestamp(value: unknown): unknown {
  if (typeof value === 'number') return new Date(Math.round(value * 1000));
  if (typeof value === 'string') {
    const seconds = /^-?\d*\.?\d+$/.test(value) ? Number(value) : Number.NaN;
    return Number.isNaN(seconds) ? new Date(value) : new Date(Math.round(seconds * 1000));
  }
  return value;
}

function fromWire(shape: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (shape === 'timestamp') return parseTimestamp(value);
  if (typeof shape === 'string') return value;
  if (shape.type === 'list') {
    return Array.isArray(value) ? value.map((item) => fromWire(shape.member, item)) : value;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    const v = fromWire(member, source[name]);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Reads an output structure from a parsed JSON body.
 *
 * @example
 * deserialize(OPERATIONS.RegisterUsage.output, { Signature: 'x', PublicKeyRotationTimestamp: 1763859600 });
 * // { PublicKeyRotationTimestamp: new Date('2025-11-23T01:00:00Z'), Signature: 'x' }
 */
export function deserialize(shape: StructureShape, body: unknown): Record<string, unknown> {
  return (fromWire(shape, body ?? {}) ?? {}) as Record<string, unknown>;
}
