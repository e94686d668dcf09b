/**
 * @module The service's shapes as data (member order, required members, timestamps, enum values),
 * read by the serializer and the deserializer; transcribed from the meteringmarketplace 2016-01-14 API model.
 */

/** A shape: a scalar kind, a structure or a list. */
export type Shape = ScalarShape | StructureShape | ListShape;

/** The scalar kinds this service uses; only `timestamp` changes form on the wire. */
export type ScalarShape = 'string' | 'integer' | 'boolean' | 'timestamp';

/** A structure: members in the API model's order, and which of them are required. */
export interface StructureShape {
  readonly type: 'structure';
  readonly name: string;
  readonly members: Readonly<Record<string, Shape>>;
  readonly required: readonly string[];
}

/** A list of one member shape. */
export interface ListShape {
  readonly type: 'list';
  readonly member: Shape;
}

const structure = (
  name: string,
  members: Record<string, Shape>,
  required: readonly string[] = [],
): StructureShape => ({ type: 'structure', name, members, required });

const list = (member: Shape): ListShape => ({ type: 'list', member });

const Tag = structure('Tag', { Key: 'string', Value: 'string' }, ['Key', 'Value']);

const UsageAllocations = list(
  structure('UsageAllocation', { AllocatedUsageQuantity: 'integer', Tags: list(Tag) }, [
    'AllocatedUsageQuantity',
  ]),
);

const UsageRecord = structure(
  'UsageRecord',
  {
    Timestamp: 'timestamp',
    CustomerIdentifier: 'string',
    Dimension: 'string',
    Quantity: 'integer',
    UsageAllocations,
    CustomerAWSAccountId: 'string',
    LicenseArn: 'string',
  },
  ['Timestamp', 'Dimension'],
);

/** The input and output shapes of each operation, and its idempotency-token member if any. */
export const OPERATIONS = {
  BatchMeterUsage: {
    input: structure(
      'BatchMeterUsageRequest',
      { UsageRecords: list(UsageRecord), ProductCode: 'string' },
      ['UsageRecords'],
    ),
    output: structure('BatchMeterUsageResult', {
      Results: list(
        structure('UsageRecordResult', {
          UsageRecord,
          MeteringRecordId: 'string',
          Status: 'string',
        }),
      ),
      UnprocessedRecords: list(UsageRecord),
    }),
    idempotencyToken: undefined,
  },
  MeterUsage: {
    input: structure(
      'MeterUsageRequest',
      {
        ProductCode: 'string',
        Timestamp: 'timestamp',
        UsageDimension: 'string',
        UsageQuantity: 'integer',
        DryRun: 'boolean',
        UsageAllocations,
        ClientToken: 'string',
      },
      ['ProductCode', 'Timestamp', 'UsageDimension'],
    ),
    output: structure('MeterUsageResult', { MeteringRecordId: 'string' }),
    idempotencyToken: 'ClientToken',
  },
  RegisterUsage: {
    input: structure(
      'RegisterUsageRequest',
      { ProductCode: 'string', PublicKeyVersion: 'integer', Nonce: 'string' },
      ['ProductCode', 'PublicKeyVersion'],
    ),
    output: structure('RegisterUsageResult', {
      PublicKeyRotationTimestamp: 'timestamp',
      Signature: 'string',
    }),
    idempotencyToken: undefined,
  },
  ResolveCustomer: {
    input: structure('ResolveCustomerRequest', { RegistrationToken: 'string' }, [
      'RegistrationToken',
    ]),
    output: structure('ResolveCustomerResult', {
      CustomerIdentifier: 'string',
      ProductCode: 'string',
      CustomerAWSAccountId: 'string',
      LicenseArn: 'string',
    }),
    idempotencyToken: undefined,
  },
} as const satisfies Record<
  string,
  { input: StructureShape; output: StructureShape; idempotencyToken: string | undefined }
>;

/** The name of one of the service's operations, as on the wire (`X-Amz-Target` suffix). */
export type OperationName = keyof typeof OPERATIONS;

/** Service facts shared by the client: JSON 1.1 target prefix, SigV4 signing name, API version. */
export const SERVICE = {
  targetPrefix: 'AWSMPMeteringService',
  signingName: 'aws-marketplace',
  endpointPrefix: 'metering.marketplace',
  apiVersion: '2016-01-14',
  contentType: 'application/x-amz-json-1.1',
} as const;

/**
 * The outcome of one usage record in a `batchMeterUsage` call.
 *
 * @example
 * const honoured = Results.filter((r) => r.Status === UsageRecordResultStatus.Success);
 */
export const UsageRecordResultStatus = {
  /** The record was accepted and honoured. */
  Success: 'Success',
  /** The customer cannot use the product (unknown, unsubscribed or suspended); not honoured. */
  CustomerNotSubscribed: 'CustomerNotSubscribed',
  /** An earlier record for the same hour had a different quantity; the earlier one stands. */
  DuplicateRecord: 'DuplicateRecord',
} as const;

/** One of the values of {@link UsageRecordResultStatus}. */
export type UsageRecordResultStatus =
  (typeof UsageRecordResultStatus)[keyof typeof UsageRecordResultStatus];
