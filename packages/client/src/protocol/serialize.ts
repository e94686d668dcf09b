/**
 * @module Turns an operation's input into an AWS JSON 1.1 body: members in wire order, `Date` as epoch seconds.
 */
import type { Shape, StructureShape } from '../model/shapes.js';

/** A structure's members as the AWS SDKs write them: required members first, each group in model order. */
export function wireOrder(shape: StructureShape): string[] {
  const names = Object.keys(shape.members);
  return [
    ...names.filter((n) => shape.required.includes(n)),
    ...names.filter((n) => !shape.required.includes(n)),
  ];
}

function toWire(shape: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (shape === 'timestamp') return value instanceof Date ? value.getTime() / 1000 : value;
  if (typeof shape === 'string') return value;
  if (shape.type === 'list') {
    return Array.isArray(value) ? value.map((item) => toWire(shape.member, item) ?? null) : value;
  }
  if (typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of wireOrder(shape)) {
    const member = shape.members[name];
    const v = member === undefined ? undefined : toWire(member, source[name]);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Serializes an input structure to its JSON body. Members not in the model are left out, as
 * the AWS SDKs do; the service validates everything else.
 *
 * @example
 * serialize(OPERATIONS.ResolveCustomer.input, { RegistrationToken: 't' }); // '{"RegistrationToken":"t"}'
 */
export function serialize(shape: StructureShape, input: unknown): string {
  return JSON.stringify(toWire(shape, input ?? {}));
}
