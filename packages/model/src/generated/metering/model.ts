/**
 * @module Shapes, operations, modelled errors and types of the Marketplace Metering API
 * (2016-01-14), generated from models/metering/service-2.json by scripts/generate.mjs: do not edit,
 * run `npm run generate`.
 */

import type {
  BooleanShape,
  ListShape,
  ModelledError,
  NumberShape,
  Operation,
  ServiceMetadata,
  StringShape,
  StructureShape,
  TimestampShape,
} from '../../shape.js';

/**
 * Amazon Web Services Marketplace Metering Service
 *
 * This reference provides descriptions of the low-level Marketplace Metering Service API.
 *
 * Amazon Web Services Marketplace sellers can use this API to submit usage data for custom usage
 * dimensions.
 *
 * For information about the permissions that you need to use this API, see Amazon Web Services
 * Marketplace metering and entitlement API permissions in the Amazon Web Services Marketplace
 * Seller Guide.
 *
 * Submitting metering records
 *
 * MeterUsage
 *
 * - Submits the metering record for an Amazon Web Services Marketplace product.
 * - Called from: Amazon Elastic Compute Cloud (Amazon EC2) instance or a container running on
 *   either Amazon Elastic Kubernetes Service (Amazon EKS) or Amazon Elastic Container Service
 *   (Amazon ECS)
 * - Supported product types: Amazon Machine Images (AMIs) and containers
 * - Vendor-metered tagging: Supported allocation tagging
 *
 * BatchMeterUsage
 *
 * - Submits the metering record for a set of customers. `BatchMeterUsage` API calls are captured by
 *   CloudTrail. You can use CloudTrail to verify that the software as a subscription (SaaS)
 *   metering records that you sent are accurate by searching for records with the `eventName` of
 *   `BatchMeterUsage`. You can also use CloudTrail to audit records over time. For more
 *   information, see the CloudTrail User Guide.
 * - Called from: SaaS applications
 * - Supported product type: SaaS
 * - Vendor-metered tagging: Supports allocation tagging
 *
 * Accepting new customers
 *
 * ResolveCustomer
 *
 * - Resolves the registration token that the buyer submits through the browser during the
 *   registration process. Obtains a `CustomerIdentifier` along with the `CustomerAWSAccountId`,
 *   `ProductCode`, and `LicenseArn`.
 * - Called from: SaaS application during the registration process
 * - Supported product type: SaaS
 * - Vendor-metered tagging: Not applicable
 *
 * Entitlement and metering for paid container products
 *
 * RegisteredUsage
 *
 * - Provides software entitlement and metering. Paid container software products sold through
 *   Amazon Web Services Marketplace must integrate with the Marketplace Metering Service and call
 *   the `RegisterUsage` operation. Free and Bring Your Own License model (BYOL) products for Amazon
 *   ECS or Amazon EKS aren't required to call `RegisterUsage`. However, you can do so if you want
 *   to receive usage data in your seller reports. For more information about using the
 *   `RegisterUsage` operation, see Container-based products.
 * - Called from: Paid container software products
 * - Supported product type: Containers
 * - Vendor-metered tagging: Not applicable
 *
 * Entitlement custom metering for container products
 *
 * - MeterUsage API is available in GovCloud Regions but only supports AMI FCP products in GovCloud
 *   Regions. Flexible Consumption Pricing (FCP) Container products aren’t supported in GovCloud
 *   Regions: us-gov-west-1 and us-gov-east-1. For more information, see Container-based products.
 * - Custom metering for container products are called using the MeterUsage API. The API is used for
 *   FCP AMI and FCP Container product metering.
 *
 * Custom metering for Amazon EKS is available in 17 Amazon Web Services Regions
 *
 * - The metering service supports Amazon ECS and EKS for Flexible Consumption Pricing (FCP)
 *   products using MeterUsage API. Amazon ECS is supported in all Amazon Web Services Regions that
 *   MeterUsage API is available except for GovCloud.
 * - Amazon EKS is supported in the following: us-east-1, us-east-2, us-west-1, us-west-2,
 *   eu-west-1, eu-central-1, eu-west-2, eu-west-3, eu-north-1, ap-east-1, ap-southeast-1,
 *   ap-northeast-1, ap-southeast-2, ap-northeast-2, ap-south-1, ca-central-1, sa-east-1.
 *
 * For questions about adding Amazon Web Services Regions for metering, contact Amazon Web Services
 * Marketplace Seller Operations.
 */

export const SERVICE = {
  apiVersion: '2016-01-14',
  endpointPrefix: 'metering.marketplace',
  jsonVersion: '1.1',
  protocol: 'json',
  protocols: ['json'],
  serviceFullName: 'AWSMarketplace Metering',
  serviceId: 'Marketplace Metering',
  signatureVersion: 'v4',
  signingName: 'aws-marketplace',
  targetPrefix: 'AWSMPMeteringService',
  uid: 'meteringmarketplace-2016-01-14',
} as const satisfies ServiceMetadata;

// ---- shapes, each after those it refers to

// prettier-ignore
const $Timestamp: TimestampShape = { type: 'timestamp', name: 'Timestamp' };
// prettier-ignore
const $CustomerIdentifier: StringShape = { type: 'string', name: 'CustomerIdentifier', min: 0, max: 255, pattern: '[\\s\\S]*' };
// prettier-ignore
const $UsageDimension: StringShape = { type: 'string', name: 'UsageDimension', min: 1, max: 255, pattern: '[\\s\\S]+' };
// prettier-ignore
const $UsageQuantity: NumberShape = { type: 'integer', name: 'UsageQuantity', min: 0, max: 2147483647 };
// prettier-ignore
const $AllocatedUsageQuantity: NumberShape = { type: 'integer', name: 'AllocatedUsageQuantity', min: 0, max: 2147483647 };
// prettier-ignore
const $TagKey: StringShape = { type: 'string', name: 'TagKey', min: 1, max: 100, pattern: '^[a-zA-Z0-9+ -=._:\\/@]+$' };
// prettier-ignore
const $TagValue: StringShape = { type: 'string', name: 'TagValue', min: 1, max: 256, pattern: '^[a-zA-Z0-9+ -=._:\\/@]+$' };
// prettier-ignore
const $Tag: StructureShape = {
  type: 'structure', name: 'Tag', required: ['Key', 'Value'],
  documentation: 'Metadata assigned to an allocation. Each tag is made up of a `key` and a `value`.',
  members: {
    Key: { shape: $TagKey, documentation: 'One part of a key-value pair that makes up a `tag`. A `key` is a label that acts like a category for the specific tag values.' },
    Value: { shape: $TagValue, documentation: 'One part of a key-value pair that makes up a `tag`. A `value` acts as a descriptor within a tag category (key). The value can be empty or null.' },
  },
};
// prettier-ignore
const $TagList: ListShape = { type: 'list', name: 'TagList', min: 1, max: 5, member: $Tag };
// prettier-ignore
const $UsageAllocation: StructureShape = {
  type: 'structure', name: 'UsageAllocation', required: ['AllocatedUsageQuantity'],
  documentation: 'Usage allocations allow you to split usage into buckets by tags.\n\nEach `UsageAllocation` indicates the usage quantity for a specific set of tags.',
  members: {
    AllocatedUsageQuantity: { shape: $AllocatedUsageQuantity, documentation: 'The total quantity allocated to this bucket of usage.' },
    Tags: { shape: $TagList, documentation: 'The set of tags that define the bucket of usage. For the bucket of items with no tags, this parameter can be left out.' },
  },
};
// prettier-ignore
const $UsageAllocations: ListShape = { type: 'list', name: 'UsageAllocations', min: 1, max: 2500, member: $UsageAllocation };
// prettier-ignore
const $CustomerAWSAccountId: StringShape = { type: 'string', name: 'CustomerAWSAccountId', min: 1, max: 255, pattern: '^[0-9]+$' };
// prettier-ignore
const $LicenseArn: StringShape = { type: 'string', name: 'LicenseArn', pattern: '^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$' };
// prettier-ignore
const $UsageRecord: StructureShape = {
  type: 'structure', name: 'UsageRecord', required: ['Timestamp', 'Dimension'],
  documentation: 'A `UsageRecord` indicates a quantity of usage for a given product, customer, dimension and time.\n\nMultiple requests with the same `UsageRecords` as input will be de-duplicated to prevent double charges.',
  members: {
    Timestamp: { shape: $Timestamp, documentation: 'Timestamp, in UTC, for which the usage is being reported.\n\nYour application can meter usage for up to six hours in the past. Make sure the `timestamp` value is not before the start of the software usage.' },
    CustomerIdentifier: { shape: $CustomerIdentifier, documentation: 'The `CustomerIdentifier` is obtained through the `ResolveCustomer` operation and represents an individual buyer in your application.' },
    Dimension: { shape: $UsageDimension, documentation: 'During the process of registering a product on Amazon Web Services Marketplace, dimensions are specified. These represent different units of value in your application.' },
    Quantity: { shape: $UsageQuantity, documentation: 'The quantity of usage consumed by the customer for the given dimension and time. Defaults to `0` if not specified.' },
    UsageAllocations: { shape: $UsageAllocations, documentation: 'The set of `UsageAllocations` to submit. The sum of all `UsageAllocation` quantities must equal the Quantity of the `UsageRecord`.' },
    CustomerAWSAccountId: { shape: $CustomerAWSAccountId, documentation: 'The `CustomerAWSAccountId` parameter specifies the AWS account ID of the buyer.\n\nFor existing integrations, to access your `CustomerIdentifier` to `CustomerAWSAccountId` mapping, see Account Feeds.' },
    LicenseArn: { shape: $LicenseArn, documentation: 'The `LicenseArn` is a unique identifier for a specific granted license. These are used for software purchased through Amazon Web Services Marketplace.\n\nTo access your `CustomerAWSAccountId` and `LicenseArn` mapping, visit Agreements Feeds.' },
  },
};
// prettier-ignore
const $UsageRecordList: ListShape = { type: 'list', name: 'UsageRecordList', min: 0, max: 25, member: $UsageRecord };
// prettier-ignore
const $ProductCode: StringShape = { type: 'string', name: 'ProductCode', min: 0, max: 255, pattern: '^[-a-zA-Z0-9/=:_.@]*$' };
// prettier-ignore
const $BatchMeterUsageRequest: StructureShape = {
  type: 'structure', name: 'BatchMeterUsageRequest', required: ['UsageRecords'],
  documentation: 'A `BatchMeterUsageRequest` contains `UsageRecords`, which indicate quantities of usage within your application.',
  members: {
    UsageRecords: { shape: $UsageRecordList, documentation: 'The set of `UsageRecords` to submit. `BatchMeterUsage` accepts up to 25 `UsageRecords` at a time.' },
    ProductCode: { shape: $ProductCode, documentation: 'Product code is used to uniquely identify a product in Amazon Web Services Marketplace. The product code should be the same as the one used during the publishing of a new product.' },
  },
};
// prettier-ignore
const $String: StringShape = { type: 'string', name: 'String' };
// prettier-ignore
const $UsageRecordResultStatus: StringShape = { type: 'string', name: 'UsageRecordResultStatus', enum: ['Success', 'CustomerNotSubscribed', 'DuplicateRecord'] };
// prettier-ignore
const $UsageRecordResult: StructureShape = {
  type: 'structure', name: 'UsageRecordResult', required: [],
  documentation: 'A `UsageRecordResult` indicates the status of a given `UsageRecord` processed by `BatchMeterUsage`.',
  members: {
    UsageRecord: { shape: $UsageRecord, documentation: 'The `UsageRecord` that was part of the `BatchMeterUsage` request.' },
    MeteringRecordId: { shape: $String, documentation: 'The `MeteringRecordId` is a unique identifier for this metering event.' },
    Status: { shape: $UsageRecordResultStatus, documentation: 'The `UsageRecordResult` `Status` indicates the status of an individual `UsageRecord` processed by `BatchMeterUsage`.\n\n- Success- The `UsageRecord` was accepted and honored by `BatchMeterUsage`.\n- CustomerNotSubscribed- The `CustomerIdentifier` specified is not able to use your product. The `UsageRecord` was not honored. There are three causes for this result:\n\n- The customer identifier is invalid.\n- The customer identifier provided in the metering record does not have an active agreement or subscription with this product. Future `UsageRecords` for this customer will fail until the customer subscribes to your product.\n- The customer\'s Amazon Web Services account was suspended.\n\n- DuplicateRecord- Indicates that the `UsageRecord` was invalid and not honored. A previously metered `UsageRecord` had the same customer, dimension, and time, but a different quantity.' },
  },
};
// prettier-ignore
const $UsageRecordResultList: ListShape = { type: 'list', name: 'UsageRecordResultList', member: $UsageRecordResult };
// prettier-ignore
const $BatchMeterUsageResult: StructureShape = {
  type: 'structure', name: 'BatchMeterUsageResult', required: [],
  documentation: 'Contains the `UsageRecords` processed by `BatchMeterUsage` and any records that have failed due to transient error.',
  members: {
    Results: { shape: $UsageRecordResultList, documentation: 'Contains all `UsageRecords` processed by `BatchMeterUsage`. These records were either honored by Amazon Web Services Marketplace Metering Service or were invalid. Invalid records should be fixed before being resubmitted.' },
    UnprocessedRecords: { shape: $UsageRecordList, documentation: 'Contains all `UsageRecords` that were not processed by `BatchMeterUsage`. This is a list of `UsageRecords`. You can retry the failed request by making another `BatchMeterUsage` call with this list as input in the `BatchMeterUsageRequest`.' },
  },
};
// prettier-ignore
const $Boolean: BooleanShape = { type: 'boolean', name: 'Boolean' };
// prettier-ignore
const $ClientToken: StringShape = { type: 'string', name: 'ClientToken', min: 1, max: 64 };
// prettier-ignore
const $MeterUsageRequest: StructureShape = {
  type: 'structure', name: 'MeterUsageRequest', required: ['ProductCode', 'Timestamp', 'UsageDimension'],
  members: {
    ProductCode: { shape: $ProductCode, documentation: 'Product code is used to uniquely identify a product in Amazon Web Services Marketplace. The product code should be the same as the one used during the publishing of a new product.' },
    Timestamp: { shape: $Timestamp, documentation: 'Timestamp, in UTC, for which the usage is being reported. Your application can meter usage for up to six hours in the past. Make sure the `timestamp` value is not before the start of the software usage.' },
    UsageDimension: { shape: $UsageDimension, documentation: 'It will be one of the fcp dimension name provided during the publishing of the product.' },
    UsageQuantity: { shape: $UsageQuantity, documentation: 'Consumption value for the hour. Defaults to `0` if not specified.' },
    DryRun: { shape: $Boolean, documentation: 'Checks whether you have the permissions required for the action, but does not make the request. If you have the permissions, the request returns `DryRunOperation`; otherwise, it returns `UnauthorizedException`. Defaults to `false` if not specified.' },
    UsageAllocations: { shape: $UsageAllocations, documentation: 'The set of `UsageAllocations` to submit.\n\nThe sum of all `UsageAllocation` quantities must equal the `UsageQuantity` of the `MeterUsage` request, and each `UsageAllocation` must have a unique set of tags (include no tags).' },
    ClientToken: { shape: $ClientToken, documentation: 'Specifies a unique, case-sensitive identifier that you provide to ensure the idempotency of the request. This lets you safely retry the request without accidentally performing the same operation a second time. Passing the same value to a later call to an operation requires that you also pass the same value for all other parameters. We recommend that you use a UUID type of value.\n\nIf you don\'t provide this value, then Amazon Web Services generates a random one for you.\n\nIf you retry the operation with the same `ClientToken`, but with different parameters, the retry fails with an `IdempotencyConflictException` error.', idempotencyToken: true },
  },
};
// prettier-ignore
const $MeterUsageResult: StructureShape = {
  type: 'structure', name: 'MeterUsageResult', required: [],
  members: {
    MeteringRecordId: { shape: $String, documentation: 'Metering record id.' },
  },
};
// prettier-ignore
const $VersionInteger: NumberShape = { type: 'integer', name: 'VersionInteger', min: 1 };
// prettier-ignore
const $Nonce: StringShape = { type: 'string', name: 'Nonce', max: 255, pattern: '[\\s\\S]*' };
// prettier-ignore
const $RegisterUsageRequest: StructureShape = {
  type: 'structure', name: 'RegisterUsageRequest', required: ['ProductCode', 'PublicKeyVersion'],
  members: {
    ProductCode: { shape: $ProductCode, documentation: 'Product code is used to uniquely identify a product in Amazon Web Services Marketplace. The product code should be the same as the one used during the publishing of a new product.' },
    PublicKeyVersion: { shape: $VersionInteger, documentation: 'Public Key Version provided by Amazon Web Services Marketplace' },
    Nonce: { shape: $Nonce, documentation: '(Optional) To scope down the registration to a specific running software instance and guard against replay attacks.' },
  },
};
// prettier-ignore
const $NonEmptyString: StringShape = { type: 'string', name: 'NonEmptyString', pattern: '[\\s\\S]+' };
// prettier-ignore
const $RegisterUsageResult: StructureShape = {
  type: 'structure', name: 'RegisterUsageResult', required: [],
  members: {
    PublicKeyRotationTimestamp: { shape: $Timestamp, documentation: '(Optional) Only included when public key version has expired' },
    Signature: { shape: $NonEmptyString, documentation: 'JWT Token' },
  },
};
// prettier-ignore
const $ResolveCustomerRequest: StructureShape = {
  type: 'structure', name: 'ResolveCustomerRequest', required: ['RegistrationToken'],
  documentation: 'Contains input to the `ResolveCustomer` operation.',
  members: {
    RegistrationToken: { shape: $NonEmptyString, documentation: 'When a buyer visits your website during the registration process, the buyer submits a registration token through the browser. The registration token is resolved to obtain a `CustomerIdentifier` along with the `CustomerAWSAccountId`, `ProductCode`, and `LicenseArn`.' },
  },
};
// prettier-ignore
const $ResolveCustomerResult: StructureShape = {
  type: 'structure', name: 'ResolveCustomerResult', required: [],
  documentation: 'The result of the `ResolveCustomer` operation. Contains the `CustomerIdentifier` along with the `CustomerAWSAccountId`, `ProductCode`, and `LicenseArn`.',
  members: {
    CustomerIdentifier: { shape: $CustomerIdentifier, documentation: 'The `CustomerIdentifier` is used to identify an individual customer in your application.' },
    ProductCode: { shape: $ProductCode, documentation: 'The product code is returned to confirm that the buyer is registering for your product. Subsequent `BatchMeterUsage` calls should be made using this product code.' },
    CustomerAWSAccountId: { shape: $CustomerAWSAccountId, documentation: 'The `CustomerAWSAccountId` provides the Amazon Web Services account ID associated with the `CustomerIdentifier` for the individual customer. Calls to `BatchMeterUsage` require `CustomerAWSAccountId` for each `UsageRecord`.' },
    LicenseArn: { shape: $LicenseArn, documentation: 'The `LicenseArn` is a unique identifier for a specific granted license. These are typically used for software purchased through Amazon Web Services Marketplace. Calls to `BatchMeterUsage` require `LicenseArn` for each `UsageRecord`.\n\nOnce you receive the `CustomerAWSAccountId` and `LicenseArn` in the response, store that for future purposes/API calls/integrations.' },
  },
};

/** Every shape of the model, by name. */
export const shapes = {
  Timestamp: $Timestamp,
  CustomerIdentifier: $CustomerIdentifier,
  UsageDimension: $UsageDimension,
  UsageQuantity: $UsageQuantity,
  AllocatedUsageQuantity: $AllocatedUsageQuantity,
  TagKey: $TagKey,
  TagValue: $TagValue,
  Tag: $Tag,
  TagList: $TagList,
  UsageAllocation: $UsageAllocation,
  UsageAllocations: $UsageAllocations,
  CustomerAWSAccountId: $CustomerAWSAccountId,
  LicenseArn: $LicenseArn,
  UsageRecord: $UsageRecord,
  UsageRecordList: $UsageRecordList,
  ProductCode: $ProductCode,
  BatchMeterUsageRequest: $BatchMeterUsageRequest,
  String: $String,
  UsageRecordResultStatus: $UsageRecordResultStatus,
  UsageRecordResult: $UsageRecordResult,
  UsageRecordResultList: $UsageRecordResultList,
  BatchMeterUsageResult: $BatchMeterUsageResult,
  Boolean: $Boolean,
  ClientToken: $ClientToken,
  MeterUsageRequest: $MeterUsageRequest,
  MeterUsageResult: $MeterUsageResult,
  VersionInteger: $VersionInteger,
  Nonce: $Nonce,
  RegisterUsageRequest: $RegisterUsageRequest,
  NonEmptyString: $NonEmptyString,
  RegisterUsageResult: $RegisterUsageResult,
  ResolveCustomerRequest: $ResolveCustomerRequest,
  ResolveCustomerResult: $ResolveCustomerResult,
} as const;

/** A member of a structure, as `Structure.Member`. */
export type MemberPath =
  | 'Tag.Key'
  | 'Tag.Value'
  | 'UsageAllocation.AllocatedUsageQuantity'
  | 'UsageAllocation.Tags'
  | 'UsageRecord.Timestamp'
  | 'UsageRecord.CustomerIdentifier'
  | 'UsageRecord.Dimension'
  | 'UsageRecord.Quantity'
  | 'UsageRecord.UsageAllocations'
  | 'UsageRecord.CustomerAWSAccountId'
  | 'UsageRecord.LicenseArn'
  | 'BatchMeterUsageRequest.UsageRecords'
  | 'BatchMeterUsageRequest.ProductCode'
  | 'UsageRecordResult.UsageRecord'
  | 'UsageRecordResult.MeteringRecordId'
  | 'UsageRecordResult.Status'
  | 'BatchMeterUsageResult.Results'
  | 'BatchMeterUsageResult.UnprocessedRecords'
  | 'MeterUsageRequest.ProductCode'
  | 'MeterUsageRequest.Timestamp'
  | 'MeterUsageRequest.UsageDimension'
  | 'MeterUsageRequest.UsageQuantity'
  | 'MeterUsageRequest.DryRun'
  | 'MeterUsageRequest.UsageAllocations'
  | 'MeterUsageRequest.ClientToken'
  | 'MeterUsageResult.MeteringRecordId'
  | 'RegisterUsageRequest.ProductCode'
  | 'RegisterUsageRequest.PublicKeyVersion'
  | 'RegisterUsageRequest.Nonce'
  | 'RegisterUsageResult.PublicKeyRotationTimestamp'
  | 'RegisterUsageResult.Signature'
  | 'ResolveCustomerRequest.RegistrationToken'
  | 'ResolveCustomerResult.CustomerIdentifier'
  | 'ResolveCustomerResult.ProductCode'
  | 'ResolveCustomerResult.CustomerAWSAccountId'
  | 'ResolveCustomerResult.LicenseArn';

// ---- operations

export type OperationName = 'BatchMeterUsage' | 'MeterUsage' | 'RegisterUsage' | 'ResolveCustomer';

/** Every operation, by name. */
export const operations: { readonly [O in OperationName]: Operation } = {
  BatchMeterUsage: {
    name: 'BatchMeterUsage',
    input: $BatchMeterUsageRequest,
    output: $BatchMeterUsageResult,
    errors: [
      'InternalServiceErrorException',
      'InvalidProductCodeException',
      'InvalidUsageDimensionException',
      'InvalidTagException',
      'InvalidUsageAllocationsException',
      'InvalidCustomerIdentifierException',
      'TimestampOutOfBoundsException',
      'ThrottlingException',
      'DisabledApiException',
      'InvalidLicenseException',
    ],
    idempotencyToken: undefined,
    documentation:
      "Amazon Web Services Marketplace is introducing Concurrent Agreements, enabling buyers to make multiple purchases per Amazon Web Services account. Starting June 1, 2026, new SaaS products must use `CustomerAWSAccountId` (instead of `CustomerIdentifier`), `LicenseArn` (instead of `ProductCode`) to support this feature. Existing integrations will continue to work. Review the new integration for Concurrent Agreements here.\n\nTo post metering records for customers, SaaS applications call `BatchMeterUsage`, which is used for metering SaaS flexible consumption pricing (FCP). Identical requests are idempotent and can be retried with the same records or a subset of records. Each `BatchMeterUsage` request is for only one product. If you want to meter usage for multiple products, you must make multiple `BatchMeterUsage` calls.\n\nUsage records should be submitted in quick succession following a recorded event. Usage records aren't accepted 6 hours or more after an event.\n\n`BatchMeterUsage` can process up to 25 `UsageRecords` at a time, and each request must be less than 1 MB in size. Optionally, you can have multiple usage allocations for usage data that's split into buckets according to predefined tags.\n\n`BatchMeterUsage` returns a list of `UsageRecordResult` objects, which have each `UsageRecord`. It also returns a list of `UnprocessedRecords`, which indicate errors on the service side that should be retried.\n\nFor Amazon Web Services Regions that support `BatchMeterUsage`, see BatchMeterUsage Region support.\n\nFor an example of `BatchMeterUsage`, see BatchMeterUsage code example in the Amazon Web Services Marketplace Seller Guide.",
  },
  MeterUsage: {
    name: 'MeterUsage',
    input: $MeterUsageRequest,
    output: $MeterUsageResult,
    errors: [
      'InternalServiceErrorException',
      'InvalidProductCodeException',
      'InvalidUsageDimensionException',
      'InvalidTagException',
      'InvalidUsageAllocationsException',
      'InvalidEndpointRegionException',
      'TimestampOutOfBoundsException',
      'DuplicateRequestException',
      'IdempotencyConflictException',
      'ThrottlingException',
      'CustomerNotEntitledException',
    ],
    idempotencyToken: 'ClientToken',
    documentation:
      "As a seller, your software hosted in the buyer's Amazon Web Services account uses this API action to emit metering records directly to Amazon Web Services Marketplace. You must use the following buyer Amazon Web Services account credentials to sign the API request.\n\n- For Amazon EC2 deployments, your software must use the IAM role for Amazon EC2 to sign the API call for `MeterUsage` API operation.\n- For Amazon EKS deployments, your software must use IAM roles for service accounts (IRSA) to sign the API call for the `MeterUsage` API operation. Using EKS Pod Identity, the node role, or long-term access keys is not supported.\n- For Amazon ECS deployments, your software must use Amazon ECS task IAM role to sign the API call for the `MeterUsage` API operation. Using the node role or long-term access keys are not supported.\n- For Amazon Bedrock AgentCore Runtime deployments, your software must use the AgentCore Runtime execution role to sign the API call for the `MeterUsage` API operation. Long-term access keys are not supported.\n\nThe handling of `MeterUsage` requests varies between Amazon Bedrock AgentCore Runtime and non-Amazon Bedrock AgentCore deployments.\n\n- For non-Amazon Bedrock AgentCore Runtime deployments, you can only report usage once per hour for each dimension. For AMI-based products, this is per dimension and per EC2 instance. For container products, this is per dimension and per ECS task or EKS pod. You can't modify values after they're recorded. If you report usage before a current hour ends, you will be unable to report additional usage until the next hour begins. The `Timestamp` request parameter is rounded down to the hour and used to enforce this once-per-hour rule for idempotency. For requests that are identical after the `Timestamp` is rounded down, the API is idempotent and returns the metering record ID.\n- For Amazon Bedrock AgentCore Runtime deployments, you can report usage multiple times per hour for the same dimension. You do not need to aggregate metering records by the hour. You must include an idempotency token in the `ClientToken` request parameter. If using an Amazon SDK or the Amazon Web Services CLI, you must use the latest version which automatically includes an idempotency token in the `ClientToken` request parameter so that the request is processed successfully. The `Timestamp` request parameter is not rounded down to the hour and is not used for duplicate validation. Requests with duplicate `Timestamps` are aggregated as long as the `ClientToken` is unique.\n\nIf you submit records more than six hours after events occur, the records won't be accepted. The timestamp in your request determines when an event is recorded.\n\nYou can optionally include multiple usage allocations, to provide customers with usage data split into buckets by tags that you define or allow the customer to define.\n\nFor Amazon Web Services Regions that support `MeterUsage`, see MeterUsage Region support for Amazon EC2 and MeterUsage Region support for Amazon ECS and Amazon EKS.",
  },
  RegisterUsage: {
    name: 'RegisterUsage',
    input: $RegisterUsageRequest,
    output: $RegisterUsageResult,
    errors: [
      'InvalidProductCodeException',
      'InvalidRegionException',
      'InvalidPublicKeyVersionException',
      'PlatformNotSupportedException',
      'CustomerNotEntitledException',
      'ThrottlingException',
      'InternalServiceErrorException',
      'DisabledApiException',
    ],
    idempotencyToken: undefined,
    documentation:
      "Paid container software products sold through Amazon Web Services Marketplace must integrate with the Amazon Web Services Marketplace Metering Service and call the `RegisterUsage` operation for software entitlement and metering. Free and BYOL products for Amazon ECS or Amazon EKS aren't required to call `RegisterUsage`, but you may choose to do so if you would like to receive usage data in your seller reports. The sections below explain the behavior of `RegisterUsage`. `RegisterUsage` performs two primary functions: metering and entitlement.\n\n- Entitlement: `RegisterUsage` allows you to verify that the customer running your paid software is subscribed to your product on Amazon Web Services Marketplace, enabling you to guard against unauthorized use. Your container image that integrates with `RegisterUsage` is only required to guard against unauthorized use at container startup, as such a `CustomerNotSubscribedException` or `PlatformNotSupportedException` will only be thrown on the initial call to `RegisterUsage`. Subsequent calls from the same Amazon ECS task instance (e.g. task-id) or Amazon EKS pod will not throw a `CustomerNotSubscribedException`, even if the customer unsubscribes while the Amazon ECS task or Amazon EKS pod is still running.\n- Metering: `RegisterUsage` meters software use per ECS task, per hour, or per pod for Amazon EKS with usage prorated to the second. A minimum of 1 minute of usage applies to tasks that are short lived. For example, if a customer has a 10 node Amazon ECS or Amazon EKS cluster and a service configured as a Daemon Set, then Amazon ECS or Amazon EKS will launch a task on all 10 cluster nodes and the customer will be charged for 10 tasks. Software metering is handled by the Amazon Web Services Marketplace metering control plane—your software is not required to perform metering-specific actions other than to call `RegisterUsage` to commence metering. The Amazon Web Services Marketplace metering control plane will also bill customers for running ECS tasks and Amazon EKS pods, regardless of the customer's subscription state, which removes the need for your software to run entitlement checks at runtime. For containers, `RegisterUsage` should be called immediately at launch. If you don’t register the container within the first 6 hours of the launch, Amazon Web Services Marketplace Metering Service doesn’t provide any metering guarantees for previous months. Metering will continue, however, for the current month forward until the container ends. `RegisterUsage` is for metering paid hourly container products.\n\nFor Amazon Web Services Regions that support `RegisterUsage`, see RegisterUsage Region support.",
  },
  ResolveCustomer: {
    name: 'ResolveCustomer',
    input: $ResolveCustomerRequest,
    output: $ResolveCustomerResult,
    errors: [
      'InvalidTokenException',
      'ExpiredTokenException',
      'ThrottlingException',
      'InternalServiceErrorException',
      'DisabledApiException',
    ],
    idempotencyToken: undefined,
    documentation:
      '`ResolveCustomer` is called by a SaaS application during the registration process. When a buyer visits your website during the registration process, the buyer submits a registration token through their browser. The registration token is resolved through this API to obtain a `CustomerIdentifier` along with the `CustomerAWSAccountId`, `ProductCode`, and `LicenseArn`.\n\nTo successfully resolve the token, the API must be called from the account that was used to publish the SaaS application. For an example of using `ResolveCustomer`, see ResolveCustomer code example in the Amazon Web Services Marketplace Seller Guide.\n\nPermission is required for this operation. Your IAM role or user performing this operation requires a policy to allow the `aws-marketplace:ResolveCustomer` action. For more information, see Actions, resources, and condition keys for Amazon Web Services Marketplace Metering Service in the Service Authorization Reference.\n\nFor Amazon Web Services Regions that support `ResolveCustomer`, see ResolveCustomer Region support.',
  },
};

// ---- modelled errors

export type ErrorName =
  | 'CustomerNotEntitledException'
  | 'DisabledApiException'
  | 'DuplicateRequestException'
  | 'ExpiredTokenException'
  | 'IdempotencyConflictException'
  | 'InternalServiceErrorException'
  | 'InvalidCustomerIdentifierException'
  | 'InvalidEndpointRegionException'
  | 'InvalidLicenseException'
  | 'InvalidProductCodeException'
  | 'InvalidPublicKeyVersionException'
  | 'InvalidRegionException'
  | 'InvalidTagException'
  | 'InvalidTokenException'
  | 'InvalidUsageAllocationsException'
  | 'InvalidUsageDimensionException'
  | 'PlatformNotSupportedException'
  | 'ThrottlingException'
  | 'TimestampOutOfBoundsException';

/** Every modelled error, by name: its HTTP status, fault, and the operations that throw it. */
export const errors: { readonly [E in ErrorName]: ModelledError } = {
  CustomerNotEntitledException: {
    name: 'CustomerNotEntitledException',
    httpStatus: 400,
    fault: 'client',
    operations: ['MeterUsage', 'RegisterUsage'],
    documentation:
      'Exception thrown when the customer does not have a valid subscription for the product.',
  },
  DisabledApiException: {
    name: 'DisabledApiException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer'],
    documentation: 'The API is disabled in the Region.',
  },
  DuplicateRequestException: {
    name: 'DuplicateRequestException',
    httpStatus: 400,
    fault: 'client',
    operations: ['MeterUsage'],
    documentation:
      'A metering record has already been emitted by the same EC2 instance, ECS task, or EKS pod for the given {`usageDimension`, `timestamp`} with a different `usageQuantity`.',
  },
  ExpiredTokenException: {
    name: 'ExpiredTokenException',
    httpStatus: 400,
    fault: 'client',
    operations: ['ResolveCustomer'],
    documentation:
      "The submitted registration token has expired. This can happen if the buyer's browser takes too long to redirect to your page, the buyer has resubmitted the registration token, or your application has held on to the registration token for too long. Your SaaS registration website should redeem this token as soon as it is submitted by the buyer's browser.",
  },
  IdempotencyConflictException: {
    name: 'IdempotencyConflictException',
    httpStatus: 400,
    fault: 'client',
    operations: ['MeterUsage'],
    documentation: 'The `ClientToken` is being used for multiple requests.',
  },
  InternalServiceErrorException: {
    name: 'InternalServiceErrorException',
    httpStatus: 500,
    fault: 'server',
    operations: ['BatchMeterUsage', 'MeterUsage', 'RegisterUsage', 'ResolveCustomer'],
    documentation:
      'An internal error has occurred. Retry your request. If the problem persists, post a message with details on the Amazon Web Services forums.',
  },
  InvalidCustomerIdentifierException: {
    name: 'InvalidCustomerIdentifierException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage'],
    documentation: 'You have metered usage for a `CustomerIdentifier` that does not exist.',
  },
  InvalidEndpointRegionException: {
    name: 'InvalidEndpointRegionException',
    httpStatus: 400,
    fault: 'client',
    operations: ['MeterUsage'],
    documentation:
      'The endpoint being called is in a Amazon Web Services Region different from your EC2 instance, ECS task, or EKS pod. The Region of the Metering Service endpoint and the Amazon Web Services Region of the resource must match.',
  },
  InvalidLicenseException: {
    name: 'InvalidLicenseException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage'],
    documentation:
      'Ensure the `LicenseArn` is valid, matches the customer, and usage is within the license activation period.',
  },
  InvalidProductCodeException: {
    name: 'InvalidProductCodeException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage', 'MeterUsage', 'RegisterUsage'],
    documentation:
      'The product code passed does not match the product code used for publishing the product.',
  },
  InvalidPublicKeyVersionException: {
    name: 'InvalidPublicKeyVersionException',
    httpStatus: 400,
    fault: 'client',
    operations: ['RegisterUsage'],
    documentation: 'Public Key version is invalid.',
  },
  InvalidRegionException: {
    name: 'InvalidRegionException',
    httpStatus: 400,
    fault: 'client',
    operations: ['RegisterUsage'],
    documentation:
      '`RegisterUsage` must be called in the same Amazon Web Services Region the ECS task was launched in. This prevents a container from hardcoding a Region (e.g. withRegion(“us-east-1”) when calling `RegisterUsage`.',
  },
  InvalidTagException: {
    name: 'InvalidTagException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage', 'MeterUsage'],
    documentation: 'The tag is invalid, or the number of tags is greater than 5.',
  },
  InvalidTokenException: {
    name: 'InvalidTokenException',
    httpStatus: 400,
    fault: 'client',
    operations: ['ResolveCustomer'],
    documentation: 'Registration token is invalid.',
  },
  InvalidUsageAllocationsException: {
    name: 'InvalidUsageAllocationsException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage', 'MeterUsage'],
    documentation: 'Sum of allocated usage quantities is not equal to the usage quantity.',
  },
  InvalidUsageDimensionException: {
    name: 'InvalidUsageDimensionException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage', 'MeterUsage'],
    documentation:
      'The usage dimension does not match one of the `UsageDimensions` associated with products.',
  },
  PlatformNotSupportedException: {
    name: 'PlatformNotSupportedException',
    httpStatus: 400,
    fault: 'client',
    operations: ['RegisterUsage'],
    documentation:
      'Amazon Web Services Marketplace does not support metering usage from the underlying platform. Currently, Amazon ECS, Amazon EKS, and Fargate are supported.',
  },
  ThrottlingException: {
    name: 'ThrottlingException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage', 'MeterUsage', 'RegisterUsage', 'ResolveCustomer'],
    documentation: 'The calls to the API are throttled.',
  },
  TimestampOutOfBoundsException: {
    name: 'TimestampOutOfBoundsException',
    httpStatus: 400,
    fault: 'client',
    operations: ['BatchMeterUsage', 'MeterUsage'],
    documentation:
      'The `timestamp` value passed in the `UsageRecord` is out of allowed range.\n\nFor `BatchMeterUsage`, if any of the records are outside of the allowed range, the entire batch is not processed. You must remove invalid records and try again.',
  },
};

// ---- types

/**
 * Metadata assigned to an allocation. Each tag is made up of a `key` and a `value`.
 *
 * @example
 * const tag: Tag = { Key: 'team', Value: 'analytics' };
 */
export interface Tag {
  /**
   * One part of a key-value pair that makes up a `tag`. A `key` is a label that acts like a
   * category for the specific tag values.
   *
   * Constraints: 1 to 100 characters; pattern `^[a-zA-Z0-9+ -=._:\/@]+$`.
   */
  Key: string;
  /**
   * One part of a key-value pair that makes up a `tag`. A `value` acts as a descriptor within a tag
   * category (key). The value can be empty or null.
   *
   * Constraints: 1 to 256 characters; pattern `^[a-zA-Z0-9+ -=._:\/@]+$`.
   */
  Value: string;
}

/**
 * Usage allocations allow you to split usage into buckets by tags.
 *
 * Each `UsageAllocation` indicates the usage quantity for a specific set of tags.
 *
 * @example
 * const allocation: UsageAllocation = {
 *   AllocatedUsageQuantity: 3,
 *   Tags: [{ Key: 'team', Value: 'analytics' }],
 * };
 */
export interface UsageAllocation {
  /**
   * The total quantity allocated to this bucket of usage.
   *
   * Constraints: value 0 to 2147483647.
   */
  AllocatedUsageQuantity: number;
  /**
   * The set of tags that define the bucket of usage. For the bucket of items with no tags, this
   * parameter can be left out.
   *
   * Constraints: 1 to 5 items.
   */
  Tags?: Tag[];
}

/**
 * A `UsageRecord` indicates a quantity of usage for a given product, customer, dimension and time.
 *
 * Multiple requests with the same `UsageRecords` as input will be de-duplicated to prevent double
 * charges.
 *
 * @example
 * const record: UsageRecord = {
 *   Timestamp: new Date('2026-11-23T01:00:00Z'),
 *   CustomerIdentifier: 'globex-on-acme',
 *   Dimension: 'requests',
 *   Quantity: 120,
 * };
 */
export interface UsageRecord {
  /**
   * Timestamp, in UTC, for which the usage is being reported.
   *
   * Your application can meter usage for up to six hours in the past. Make sure the `timestamp`
   * value is not before the start of the software usage.
   */
  Timestamp: Date;
  /**
   * The `CustomerIdentifier` is obtained through the `ResolveCustomer` operation and represents an
   * individual buyer in your application.
   *
   * Constraints: 0 to 255 characters; pattern `[\s\S]*`.
   */
  CustomerIdentifier?: string;
  /**
   * During the process of registering a product on Amazon Web Services Marketplace, dimensions are
   * specified. These represent different units of value in your application.
   *
   * Constraints: 1 to 255 characters; pattern `[\s\S]+`.
   */
  Dimension: string;
  /**
   * The quantity of usage consumed by the customer for the given dimension and time. Defaults to
   * `0` if not specified.
   *
   * Constraints: value 0 to 2147483647.
   */
  Quantity?: number;
  /**
   * The set of `UsageAllocations` to submit. The sum of all `UsageAllocation` quantities must equal
   * the Quantity of the `UsageRecord`.
   *
   * Constraints: 1 to 2500 items.
   */
  UsageAllocations?: UsageAllocation[];
  /**
   * The `CustomerAWSAccountId` parameter specifies the AWS account ID of the buyer.
   *
   * For existing integrations, to access your `CustomerIdentifier` to `CustomerAWSAccountId`
   * mapping, see Account Feeds.
   *
   * Constraints: 1 to 255 characters; pattern `^[0-9]+$`.
   */
  CustomerAWSAccountId?: string;
  /**
   * The `LicenseArn` is a unique identifier for a specific granted license. These are used for
   * software purchased through Amazon Web Services Marketplace.
   *
   * To access your `CustomerAWSAccountId` and `LicenseArn` mapping, visit Agreements Feeds.
   *
   * Constraints: pattern
   * `^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$`.
   */
  LicenseArn?: string;
}

/**
 * A `BatchMeterUsageRequest` contains `UsageRecords`, which indicate quantities of usage within
 * your application.
 *
 * @example
 * const input: BatchMeterUsageRequest = {
 *   ProductCode: 'acme-saas',
 *   UsageRecords: [
 *     { Timestamp: new Date(), CustomerIdentifier: 'globex-on-acme', Dimension: 'requests', Quantity: 1 },
 *   ],
 * };
 */
export interface BatchMeterUsageRequest {
  /**
   * The set of `UsageRecords` to submit. `BatchMeterUsage` accepts up to 25 `UsageRecords` at a
   * time.
   *
   * Constraints: 0 to 25 items.
   */
  UsageRecords: UsageRecord[];
  /**
   * Product code is used to uniquely identify a product in Amazon Web Services Marketplace. The
   * product code should be the same as the one used during the publishing of a new product.
   *
   * Constraints: 0 to 255 characters; pattern `^[-a-zA-Z0-9/=:_.@]*$`.
   */
  ProductCode?: string;
}

/**
 * The outcome of one usage record in a `BatchMeterUsage` call.
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

/**
 * A `UsageRecordResult` indicates the status of a given `UsageRecord` processed by
 * `BatchMeterUsage`.
 *
 * @example
 * const failed = (results: UsageRecordResult[]) => results.filter((r) => r.Status !== 'Success');
 */
export interface UsageRecordResult {
  /** The `UsageRecord` that was part of the `BatchMeterUsage` request. */
  UsageRecord?: UsageRecord;
  /** The `MeteringRecordId` is a unique identifier for this metering event. */
  MeteringRecordId?: string;
  /**
   * The `UsageRecordResult` `Status` indicates the status of an individual `UsageRecord` processed
   * by `BatchMeterUsage`.
   *
   * - Success- The `UsageRecord` was accepted and honored by `BatchMeterUsage`.
   * - CustomerNotSubscribed- The `CustomerIdentifier` specified is not able to use your product.
   *   The `UsageRecord` was not honored. There are three causes for this result:
   *
   * - The customer identifier is invalid.
   * - The customer identifier provided in the metering record does not have an active agreement or
   *   subscription with this product. Future `UsageRecords` for this customer will fail until the
   *   customer subscribes to your product.
   * - The customer's Amazon Web Services account was suspended.
   *
   * - DuplicateRecord- Indicates that the `UsageRecord` was invalid and not honored. A previously
   *   metered `UsageRecord` had the same customer, dimension, and time, but a different quantity.
   *
   * Constraints: one of `Success`, `CustomerNotSubscribed`, `DuplicateRecord`.
   */
  Status?: UsageRecordResultStatus;
}

/**
 * Contains the `UsageRecords` processed by `BatchMeterUsage` and any records that have failed due
 * to transient error.
 *
 * @example
 * const { Results = [], UnprocessedRecords = [] } = await svc.batchMeterUsage(input);
 * if (UnprocessedRecords.length > 0) await svc.batchMeterUsage({ ...input, UsageRecords: UnprocessedRecords });
 */
export interface BatchMeterUsageResult {
  /**
   * Contains all `UsageRecords` processed by `BatchMeterUsage`. These records were either honored
   * by Amazon Web Services Marketplace Metering Service or were invalid. Invalid records should be
   * fixed before being resubmitted.
   */
  Results?: UsageRecordResult[];
  /**
   * Contains all `UsageRecords` that were not processed by `BatchMeterUsage`. This is a list of
   * `UsageRecords`. You can retry the failed request by making another `BatchMeterUsage` call with
   * this list as input in the `BatchMeterUsageRequest`.
   *
   * Constraints: 0 to 25 items.
   */
  UnprocessedRecords?: UsageRecord[];
}

/**
 * Input of `MeterUsage`.
 *
 * @example
 * const input: MeterUsageRequest = {
 *   ProductCode: 'acme-ami',
 *   Timestamp: new Date(),
 *   UsageDimension: 'hours',
 *   UsageQuantity: 1,
 * };
 */
export interface MeterUsageRequest {
  /**
   * Product code is used to uniquely identify a product in Amazon Web Services Marketplace. The
   * product code should be the same as the one used during the publishing of a new product.
   *
   * Constraints: 0 to 255 characters; pattern `^[-a-zA-Z0-9/=:_.@]*$`.
   */
  ProductCode: string;
  /**
   * Timestamp, in UTC, for which the usage is being reported. Your application can meter usage for
   * up to six hours in the past. Make sure the `timestamp` value is not before the start of the
   * software usage.
   */
  Timestamp: Date;
  /**
   * It will be one of the fcp dimension name provided during the publishing of the product.
   *
   * Constraints: 1 to 255 characters; pattern `[\s\S]+`.
   */
  UsageDimension: string;
  /**
   * Consumption value for the hour. Defaults to `0` if not specified.
   *
   * Constraints: value 0 to 2147483647.
   */
  UsageQuantity?: number;
  /**
   * Checks whether you have the permissions required for the action, but does not make the request.
   * If you have the permissions, the request returns `DryRunOperation`; otherwise, it returns
   * `UnauthorizedException`. Defaults to `false` if not specified.
   */
  DryRun?: boolean;
  /**
   * The set of `UsageAllocations` to submit.
   *
   * The sum of all `UsageAllocation` quantities must equal the `UsageQuantity` of the `MeterUsage`
   * request, and each `UsageAllocation` must have a unique set of tags (include no tags).
   *
   * Constraints: 1 to 2500 items.
   */
  UsageAllocations?: UsageAllocation[];
  /**
   * Specifies a unique, case-sensitive identifier that you provide to ensure the idempotency of the
   * request. This lets you safely retry the request without accidentally performing the same
   * operation a second time. Passing the same value to a later call to an operation requires that
   * you also pass the same value for all other parameters. We recommend that you use a UUID type of
   * value.
   *
   * If you don't provide this value, then Amazon Web Services generates a random one for you.
   *
   * If you retry the operation with the same `ClientToken`, but with different parameters, the
   * retry fails with an `IdempotencyConflictException` error.
   *
   * Constraints: 1 to 64 characters; an idempotency token, which a client fills in when left out.
   */
  ClientToken?: string;
}

/**
 * Output of `MeterUsage`.
 *
 * @example
 * const { MeteringRecordId } = await svc.meterUsage(input);
 */
export interface MeterUsageResult {
  /** Metering record id. */
  MeteringRecordId?: string;
}

/**
 * Input of `RegisterUsage`.
 *
 * @example
 * const input: RegisterUsageRequest = { ProductCode: 'acme-container', PublicKeyVersion: 1, Nonce: 'pod-42' };
 */
export interface RegisterUsageRequest {
  /**
   * Product code is used to uniquely identify a product in Amazon Web Services Marketplace. The
   * product code should be the same as the one used during the publishing of a new product.
   *
   * Constraints: 0 to 255 characters; pattern `^[-a-zA-Z0-9/=:_.@]*$`.
   */
  ProductCode: string;
  /**
   * Public Key Version provided by Amazon Web Services Marketplace
   *
   * Constraints: value at least 1.
   */
  PublicKeyVersion: number;
  /**
   * (Optional) To scope down the registration to a specific running software instance and guard
   * against replay attacks.
   *
   * Constraints: at most 255 characters; pattern `[\s\S]*`.
   */
  Nonce?: string;
}

/**
 * Output of `RegisterUsage`.
 *
 * @example
 * const { Signature } = await svc.registerUsage(input);
 * const payload = JSON.parse(Buffer.from(Signature!.split('.')[1]!, 'base64url').toString());
 */
export interface RegisterUsageResult {
  /** (Optional) Only included when public key version has expired */
  PublicKeyRotationTimestamp?: Date;
  /**
   * JWT Token
   *
   * Constraints: pattern `[\s\S]+`.
   */
  Signature?: string;
}

/**
 * Contains input to the `ResolveCustomer` operation.
 *
 * @example
 * const input: ResolveCustomerRequest = { RegistrationToken: form['x-amzn-marketplace-token'] };
 */
export interface ResolveCustomerRequest {
  /**
   * When a buyer visits your website during the registration process, the buyer submits a
   * registration token through the browser. The registration token is resolved to obtain a
   * `CustomerIdentifier` along with the `CustomerAWSAccountId`, `ProductCode`, and `LicenseArn`.
   *
   * Constraints: pattern `[\s\S]+`.
   */
  RegistrationToken: string;
}

/**
 * The result of the `ResolveCustomer` operation. Contains the `CustomerIdentifier` along with the
 * `CustomerAWSAccountId`, `ProductCode`, and `LicenseArn`.
 *
 * @example
 * const { CustomerIdentifier, CustomerAWSAccountId, LicenseArn } = await svc.resolveCustomer(input);
 */
export interface ResolveCustomerResult {
  /**
   * The `CustomerIdentifier` is used to identify an individual customer in your application.
   *
   * Constraints: 0 to 255 characters; pattern `[\s\S]*`.
   */
  CustomerIdentifier?: string;
  /**
   * The product code is returned to confirm that the buyer is registering for your product.
   * Subsequent `BatchMeterUsage` calls should be made using this product code.
   *
   * Constraints: 0 to 255 characters; pattern `^[-a-zA-Z0-9/=:_.@]*$`.
   */
  ProductCode?: string;
  /**
   * The `CustomerAWSAccountId` provides the Amazon Web Services account ID associated with the
   * `CustomerIdentifier` for the individual customer. Calls to `BatchMeterUsage` require
   * `CustomerAWSAccountId` for each `UsageRecord`.
   *
   * Constraints: 1 to 255 characters; pattern `^[0-9]+$`.
   */
  CustomerAWSAccountId?: string;
  /**
   * The `LicenseArn` is a unique identifier for a specific granted license. These are typically
   * used for software purchased through Amazon Web Services Marketplace. Calls to `BatchMeterUsage`
   * require `LicenseArn` for each `UsageRecord`.
   *
   * Once you receive the `CustomerAWSAccountId` and `LicenseArn` in the response, store that for
   * future purposes/API calls/integrations.
   *
   * Constraints: pattern
   * `^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$`.
   */
  LicenseArn?: string;
}

/** The input and output type of each operation. */
export interface OperationTypes {
  BatchMeterUsage: { input: BatchMeterUsageRequest; output: BatchMeterUsageResult };
  MeterUsage: { input: MeterUsageRequest; output: MeterUsageResult };
  RegisterUsage: { input: RegisterUsageRequest; output: RegisterUsageResult };
  ResolveCustomer: { input: ResolveCustomerRequest; output: ResolveCustomerResult };
}
