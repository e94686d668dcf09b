/**
 * @module The Marketplace Metering API model (2016-01-14), written once: it drives input
 * validation, the wire-to-domain conversion and the TypeScript types of every operation.
 */

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
  | { kind: 'boolean' }
  | { kind: 'timestamp' }
  | { kind: 'list'; member: Shape; min?: number; max?: number }
  | {
      kind: 'structure';
      members: Readonly<Record<string, Shape>>;
      required?: readonly string[];
    };

const CustomerIdentifier: Shape = { kind: 'string', min: 0, max: 255, identifier: true };
const CustomerAWSAccountId: Shape = { kind: 'string', min: 1, max: 255, pattern: /^[0-9]+$/ };
const ProductCode: Shape = { kind: 'string', min: 0, max: 255, pattern: /^[-a-zA-Z0-9/=:_.@]*$/ };
const UsageDimension: Shape = { kind: 'string', min: 1, max: 255 };
const UsageQuantity: Shape = { kind: 'integer', min: 0, max: 2147483647 };
const LicenseArn: Shape = {
  kind: 'string',
  pattern:
    /^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$/,
};
const TagKey: Shape = { kind: 'string', min: 1, max: 100, pattern: /^[a-zA-Z0-9+ -=._:/@]+$/ };
const TagValue: Shape = { kind: 'string', min: 1, max: 256, pattern: /^[a-zA-Z0-9+ -=._:/@]+$/ };

const Tag: Shape = {
  kind: 'structure',
  members: { Key: TagKey, Value: TagValue },
  required: ['Key', 'Value'],
};

const UsageAllocations: Shape = {
  kind: 'list',
  min: 1,
  max: 2500,
  member: {
    kind: 'structure',
    members: {
      AllocatedUsageQuantity: { kind: 'integer', min: 0, max: 2147483647 },
      Tags: { kind: 'list', min: 1, max: 5, member: Tag },
    },
    required: ['AllocatedUsageQuantity'],
  },
};

const UsageRecord: Shape = {
  kind: 'structure',
  members: {
    Timestamp: { kind: 'timestamp' },
    CustomerIdentifier,
    Dimension: UsageDimension,
    Quantity: UsageQuantity,
    UsageAllocations,
    CustomerAWSAccountId,
    LicenseArn,
  },
  required: ['Timestamp', 'Dimension'],
};

/** Input shape of each operation, keyed by operation name. */
export const inputShapes = {
  BatchMeterUsage: {
    kind: 'structure',
    members: {
      UsageRecords: { kind: 'list', min: 0, max: 25, member: UsageRecord },
      ProductCode,
    },
    required: ['UsageRecords'],
  },
  MeterUsage: {
    kind: 'structure',
    members: {
      ProductCode,
      Timestamp: { kind: 'timestamp' },
      UsageDimension,
      UsageQuantity,
      DryRun: { kind: 'boolean' },
      UsageAllocations,
      ClientToken: { kind: 'string', min: 1, max: 64 },
    },
    required: ['ProductCode', 'Timestamp', 'UsageDimension'],
  },
  RegisterUsage: {
    kind: 'structure',
    members: {
      ProductCode,
      PublicKeyVersion: { kind: 'integer', min: 1 },
      Nonce: { kind: 'string', max: 255 },
    },
    required: ['ProductCode', 'PublicKeyVersion'],
  },
  ResolveCustomer: {
    kind: 'structure',
    members: { RegistrationToken: { kind: 'string', min: 1, identifier: true } },
    required: ['RegistrationToken'],
  },
} as const satisfies Record<string, Shape>;

export type OperationName = keyof typeof inputShapes;

export const operationNames = Object.keys(inputShapes) as OperationName[];

// Domain types of the validated inputs. Timestamps arrive as epoch seconds and become Dates.

export interface Tag {
  Key: string;
  Value: string;
}

export interface UsageAllocation {
  AllocatedUsageQuantity: number;
  Tags?: Tag[];
}

export interface UsageRecord {
  Timestamp: Date;
  CustomerIdentifier?: string;
  Dimension: string;
  Quantity?: number;
  UsageAllocations?: UsageAllocation[];
  CustomerAWSAccountId?: string;
  LicenseArn?: string;
}

export interface BatchMeterUsageInput {
  UsageRecords: UsageRecord[];
  ProductCode?: string;
}

export type UsageRecordResultStatus = 'Success' | 'CustomerNotSubscribed' | 'DuplicateRecord';

export interface UsageRecordResult {
  UsageRecord: UsageRecord;
  MeteringRecordId?: string;
  Status: UsageRecordResultStatus;
}

export interface BatchMeterUsageOutput {
  Results: UsageRecordResult[];
  UnprocessedRecords: UsageRecord[];
}

export interface MeterUsageInput {
  ProductCode: string;
  Timestamp: Date;
  UsageDimension: string;
  UsageQuantity?: number;
  DryRun?: boolean;
  UsageAllocations?: UsageAllocation[];
  ClientToken?: string;
}

export interface MeterUsageOutput {
  MeteringRecordId: string;
}

export interface RegisterUsageInput {
  ProductCode: string;
  PublicKeyVersion: number;
  Nonce?: string;
}

export interface RegisterUsageOutput {
  PublicKeyRotationTimestamp?: Date;
  Signature: string;
}

export interface ResolveCustomerInput {
  RegistrationToken: string;
}

export interface ResolveCustomerOutput {
  CustomerIdentifier: string;
  CustomerAWSAccountId: string;
  ProductCode: string;
  LicenseArn: string;
}

export interface OperationTypes {
  BatchMeterUsage: [BatchMeterUsageInput, BatchMeterUsageOutput];
  MeterUsage: [MeterUsageInput, MeterUsageOutput];
  RegisterUsage: [RegisterUsageInput, RegisterUsageOutput];
  ResolveCustomer: [ResolveCustomerInput, ResolveCustomerOutput];
}
