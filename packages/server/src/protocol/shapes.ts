/**
 * @module The models of the services meterd serves (Marketplace Metering and Marketplace
 * Entitlement) as meterd validates them: the input shapes of the generated models
 * (`@meterd/model/metering`, `@meterd/model/entitlement`) compiled once, with meterd's own
 * additions (an overlay keyed by member), and the TypeScript types of every operation's input
 * and output.
 */

import type { Shape as ModelShape, StringShape, StructureShape } from '@meterd/model';
import * as entitlementModel from '@meterd/model/entitlement';
import * as meteringModel from '@meterd/model/metering';
import type * as model from '@meterd/model/metering';
import type * as entitlement from '@meterd/model/entitlement';

/** Every operation meterd serves, of every service. */
export type OperationName = meteringModel.OperationName | entitlementModel.OperationName;
type MemberPath = meteringModel.MemberPath | entitlementModel.MemberPath;

/** A shape as the validator walks it: the model's constraints, patterns compiled. */
export type Shape =
  | {
      kind: 'string';
      min?: number;
      max?: number;
      pattern?: RegExp;
      enum?: readonly string[];
      /**
       * An identifier meterd looks up in its database (meterd's own constraint): one with a NUL
       * or an unpaired surrogate cannot exist there (PostgreSQL text holds no NUL) and is refused.
       */
      identifier?: boolean;
    }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'timestamp' }
  | { kind: 'list'; member: Shape; min?: number; max?: number }
  | { kind: 'map'; key: Shape; value: Shape; min?: number; max?: number }
  | {
      kind: 'structure';
      members: Readonly<Record<string, Shape>>;
      required?: readonly string[];
    };

type Structure = Extract<Shape, { kind: 'structure' }>;

/** What meterd adds to one member of the model. */
interface MemberOverlay {
  identifier?: true;
}

/** meterd's additions to the model, by member. */
const OVERLAY: { readonly [M in MemberPath]?: MemberOverlay } = {
  // Identifiers meterd looks up in its database.
  'UsageRecord.CustomerIdentifier': { identifier: true },
  'ResolveCustomerRequest.RegistrationToken': { identifier: true },
};

// How meterd reads the model's patterns. One that every string matches constrains nothing; the
// pattern of a non-empty string is checked, and worded, as a minimum length of 1.
const ANY_STRING = '[\\s\\S]*';
const NON_EMPTY_STRING = '[\\s\\S]+';
/** A `\/` the model writes where `/` needs no escape; messages show the pattern without it. */
const ESCAPED_SLASH = /(?<!\\)((?:\\\\)*)\\\//g;

function compileString(shape: StringShape, overlay: MemberOverlay | undefined): Shape {
  let { min, pattern } = shape;
  if (pattern === ANY_STRING) pattern = undefined;
  else if (pattern === NON_EMPTY_STRING) {
    pattern = undefined;
    min = Math.max(min ?? 0, 1);
  }
  return {
    kind: 'string',
    min,
    max: shape.max,
    pattern: pattern === undefined ? undefined : new RegExp(pattern.replace(ESCAPED_SLASH, '$1/')),
    enum: shape.enum,
    identifier: overlay?.identifier,
  };
}

const compiled = new Map<ModelShape, Shape>();

/** The validator's form of a model shape (as the member it is, when `overlay` says more). */
function compile(shape: ModelShape, overlay?: MemberOverlay): Shape {
  const known = overlay ? undefined : compiled.get(shape);
  if (known) return known;
  let result: Shape;
  switch (shape.type) {
    case 'string':
      result = compileString(shape, overlay);
      break;
    case 'integer':
    case 'long':
      result = { kind: 'integer', min: shape.min, max: shape.max };
      break;
    case 'float':
    case 'double':
      result = { kind: 'number', min: shape.min, max: shape.max };
      break;
    case 'boolean':
    case 'timestamp':
      result = { kind: shape.type };
      break;
    case 'list':
      result = { kind: 'list', member: compile(shape.member), min: shape.min, max: shape.max };
      break;
    case 'map':
      result = {
        kind: 'map',
        key: compile(shape.key),
        value: compile(shape.value),
        min: shape.min,
        max: shape.max,
      };
      break;
    case 'structure':
      result = compileStructure(shape);
      break;
    default:
      throw new Error(`meterd does not validate ${shape.type} shapes (${shape.name})`);
  }
  if (!overlay) compiled.set(shape, result);
  return result;
}

function compileStructure(shape: StructureShape): Structure {
  const members: Record<string, Shape> = {};
  for (const [name, member] of Object.entries(shape.members))
    members[name] = compile(member.shape, OVERLAY[`${shape.name}.${name}` as MemberPath]);
  return { kind: 'structure', members, required: shape.required };
}

/** Input shape of each operation, keyed by operation name. */
export const inputShapes = Object.fromEntries(
  [...Object.values(meteringModel.operations), ...Object.values(entitlementModel.operations)].map(
    (op) => [op.name, compileStructure(op.input)],
  ),
) as { readonly [O in OperationName]: Structure };

export const operationNames = Object.keys(inputShapes) as OperationName[];

// Types of the validated inputs (timestamps arrive as epoch seconds and become Dates), and of
// meterd's answers.

export type {
  Tag,
  UsageAllocation,
  UsageRecord,
  UsageRecordResultStatus,
} from '@meterd/model/metering';

export type BatchMeterUsageInput = model.BatchMeterUsageRequest;
export type MeterUsageInput = model.MeterUsageRequest;
export type RegisterUsageInput = model.RegisterUsageRequest;
export type ResolveCustomerInput = model.ResolveCustomerRequest;

/** `T` with members `K` always present: meterd's answers carry members the model leaves optional. */
type Always<T, K extends keyof T> = T & { [P in K]-?: NonNullable<T[P]> };

export type UsageRecordResult = Always<model.UsageRecordResult, 'UsageRecord' | 'Status'>;

export interface BatchMeterUsageOutput extends Always<
  model.BatchMeterUsageResult,
  'UnprocessedRecords'
> {
  Results: UsageRecordResult[];
}

export type MeterUsageOutput = Always<model.MeterUsageResult, 'MeteringRecordId'>;
export type RegisterUsageOutput = Always<model.RegisterUsageResult, 'Signature'>;
export type ResolveCustomerOutput = Always<
  model.ResolveCustomerResult,
  keyof model.ResolveCustomerResult
>;

export type GetEntitlementsInput = entitlement.GetEntitlementsRequest;
export type Entitlement = entitlement.Entitlement;
export type EntitlementValue = entitlement.EntitlementValue;
export type GetEntitlementFilterName = entitlement.GetEntitlementFilterName;
export interface GetEntitlementsOutput extends Always<
  entitlement.GetEntitlementsResult,
  'Entitlements'
> {
  Entitlements: Entitlement[];
}

export interface OperationTypes {
  GetEntitlements: [GetEntitlementsInput, GetEntitlementsOutput];
  BatchMeterUsage: [BatchMeterUsageInput, BatchMeterUsageOutput];
  MeterUsage: [MeterUsageInput, MeterUsageOutput];
  RegisterUsage: [RegisterUsageInput, RegisterUsageOutput];
  ResolveCustomer: [ResolveCustomerInput, ResolveCustomerOutput];
}
