/**
 * @module Shapes, operations, modelled errors and types of the Marketplace Entitlement Service API
 * (2017-01-11), generated from models/entitlement/service-2.json by scripts/generate.mjs: do not
 * edit, run `npm run generate`.
 */

import type {
  BooleanShape,
  ListShape,
  MapShape,
  ModelledError,
  NumberShape,
  Operation,
  ServiceMetadata,
  StringShape,
  StructureShape,
  TimestampShape,
} from '../../shape.js';

/**
 * AWS Marketplace Entitlement Service
 *
 * This reference provides descriptions of the AWS Marketplace Entitlement Service API.
 *
 * AWS Marketplace Entitlement Service is used to determine the entitlement of a customer to a given
 * product. An entitlement represents capacity in a product owned by the customer. For example, a
 * customer might own some number of users or seats in an SaaS application or some amount of data
 * capacity in a multi-tenant database.
 *
 * Getting Entitlement Records
 *
 * - GetEntitlements- Gets the entitlements for a Marketplace product.
 */

export const SERVICE = {
  apiVersion: '2017-01-11',
  endpointPrefix: 'entitlement.marketplace',
  jsonVersion: '1.1',
  protocol: 'smithy-rpc-v2-cbor',
  protocols: ['smithy-rpc-v2-cbor', 'json'],
  serviceFullName: 'AWS Marketplace Entitlement Service',
  serviceId: 'Marketplace Entitlement Service',
  signatureVersion: 'v4',
  signingName: 'aws-marketplace',
  targetPrefix: 'AWSMPEntitlementService',
  uid: 'entitlement.marketplace-2017-01-11',
} as const satisfies ServiceMetadata;

// ---- shapes, each after those it refers to

// prettier-ignore
const $ProductCode: StringShape = { type: 'string', name: 'ProductCode', min: 1, max: 255 };
// prettier-ignore
const $GetEntitlementFilterName: StringShape = { type: 'string', name: 'GetEntitlementFilterName', enum: ['CUSTOMER_IDENTIFIER', 'DIMENSION', 'CUSTOMER_AWS_ACCOUNT_ID', 'LICENSE_ARN'] };
// prettier-ignore
const $FilterValue: StringShape = { type: 'string', name: 'FilterValue' };
// prettier-ignore
const $FilterValueList: ListShape = { type: 'list', name: 'FilterValueList', min: 1, member: $FilterValue };
// prettier-ignore
const $GetEntitlementFilters: MapShape = { type: 'map', name: 'GetEntitlementFilters', key: $GetEntitlementFilterName, value: $FilterValueList };
// prettier-ignore
const $NonEmptyString: StringShape = { type: 'string', name: 'NonEmptyString', pattern: '\\S+' };
// prettier-ignore
const $PageSizeInteger: NumberShape = { type: 'integer', name: 'PageSizeInteger', min: 1, max: 25 };
// prettier-ignore
const $GetEntitlementsRequest: StructureShape = {
  type: 'structure', name: 'GetEntitlementsRequest', required: ['ProductCode'],
  documentation: 'The GetEntitlementsRequest contains parameters for the GetEntitlements operation.',
  members: {
    ProductCode: { shape: $ProductCode, documentation: 'Product code is used to uniquely identify a product in AWS Marketplace. The product code will be provided by AWS Marketplace when the product listing is created.' },
    Filter: { shape: $GetEntitlementFilters, documentation: 'Filter is used to return entitlements for a specific customer or for a specific dimension. Filters are described as keys mapped to a lists of values. Filtered requests are unioned for each value in the value list, and then intersected for each filter key.\n\n`CustomerIdentifier` and `CustomerAWSAccountId` are mutually exclusive parameters. You must use one or the other, but not both in the same request.\n\nIf you\'re migrating an existing integration, use Account Feeds to map `CustomerIdentifier` to `CustomerAWSAccountId`, and Agreements Feeds to map `CustomerAWSAccountId` and `LicenseArn`.' },
    NextToken: { shape: $NonEmptyString, documentation: 'For paginated calls to GetEntitlements, pass the NextToken from the previous GetEntitlementsResult.' },
    MaxResults: { shape: $PageSizeInteger, documentation: 'The maximum number of items to retrieve from the GetEntitlements operation. For pagination, use the NextToken field in subsequent calls to GetEntitlements.' },
  },
};
// prettier-ignore
const $Integer: NumberShape = { type: 'integer', name: 'Integer' };
// prettier-ignore
const $Double: NumberShape = { type: 'double', name: 'Double' };
// prettier-ignore
const $Boolean: BooleanShape = { type: 'boolean', name: 'Boolean' };
// prettier-ignore
const $String: StringShape = { type: 'string', name: 'String' };
// prettier-ignore
const $EntitlementValue: StructureShape = {
  type: 'structure', name: 'EntitlementValue', required: [],
  documentation: 'The EntitlementValue represents the amount of capacity that the customer is entitled to for the product.',
  members: {
    IntegerValue: { shape: $Integer, documentation: 'The IntegerValue field will be populated with an integer value when the entitlement is an integer type. Otherwise, the field will not be set.' },
    DoubleValue: { shape: $Double, documentation: 'The DoubleValue field will be populated with a double value when the entitlement is a double type. Otherwise, the field will not be set.' },
    BooleanValue: { shape: $Boolean, documentation: 'The BooleanValue field will be populated with a boolean value when the entitlement is a boolean type. Otherwise, the field will not be set.' },
    StringValue: { shape: $String, documentation: 'The StringValue field will be populated with a string value when the entitlement is a string type. Otherwise, the field will not be set.' },
  },
};
// prettier-ignore
const $Timestamp: TimestampShape = { type: 'timestamp', name: 'Timestamp' };
// prettier-ignore
const $Entitlement: StructureShape = {
  type: 'structure', name: 'Entitlement', required: [],
  documentation: 'An entitlement represents capacity in a product owned by the customer. For example, a customer might own some number of users or seats in an SaaS application or some amount of data capacity in a multi-tenant database.',
  members: {
    ProductCode: { shape: $ProductCode, documentation: 'The product code for which the given entitlement applies. Product codes are provided by AWS Marketplace when the product listing is created.' },
    Dimension: { shape: $NonEmptyString, documentation: 'The dimension for which the given entitlement applies. Dimensions represent categories of capacity in a product and are specified when the product is listed in AWS Marketplace.' },
    CustomerIdentifier: { shape: $NonEmptyString, documentation: 'The customer identifier is a handle to each unique customer in an application. Customer identifiers are obtained through the ResolveCustomer operation in AWS Marketplace Metering Service.' },
    CustomerAWSAccountId: { shape: $NonEmptyString, documentation: 'The `CustomerAWSAccountId` parameter specifies the AWS account ID of the buyer.' },
    Value: { shape: $EntitlementValue, documentation: 'The EntitlementValue represents the amount of capacity that the customer is entitled to for the product.' },
    ExpirationDate: { shape: $Timestamp, documentation: 'The expiration date represents the minimum date through which this entitlement is expected to remain valid. For contractual products listed on AWS Marketplace, the expiration date is the date at which the customer will renew or cancel their contract. Customers who are opting to renew their contract will still have entitlements with an expiration date.' },
    LicenseArn: { shape: $String, documentation: 'The `LicenseArn` is a unique identifier for a specific granted license. These are used for software purchased through AWS Marketplace.' },
  },
};
// prettier-ignore
const $EntitlementList: ListShape = { type: 'list', name: 'EntitlementList', min: 0, member: $Entitlement };
// prettier-ignore
const $GetEntitlementsResult: StructureShape = {
  type: 'structure', name: 'GetEntitlementsResult', required: [],
  documentation: 'The GetEntitlementsRequest contains results from the GetEntitlements operation.',
  members: {
    Entitlements: { shape: $EntitlementList, documentation: 'The set of entitlements found through the GetEntitlements operation. If the result contains an empty set of entitlements, NextToken might still be present and should be used.' },
    NextToken: { shape: $NonEmptyString, documentation: 'For paginated results, use NextToken in subsequent calls to GetEntitlements. If the result contains an empty set of entitlements, NextToken might still be present and should be used.' },
  },
};

/** Every shape of the model, by name. */
export const shapes = {
  ProductCode: $ProductCode,
  GetEntitlementFilterName: $GetEntitlementFilterName,
  FilterValue: $FilterValue,
  FilterValueList: $FilterValueList,
  GetEntitlementFilters: $GetEntitlementFilters,
  NonEmptyString: $NonEmptyString,
  PageSizeInteger: $PageSizeInteger,
  GetEntitlementsRequest: $GetEntitlementsRequest,
  Integer: $Integer,
  Double: $Double,
  Boolean: $Boolean,
  String: $String,
  EntitlementValue: $EntitlementValue,
  Timestamp: $Timestamp,
  Entitlement: $Entitlement,
  EntitlementList: $EntitlementList,
  GetEntitlementsResult: $GetEntitlementsResult,
} as const;

/** A member of a structure, as `Structure.Member`. */
export type MemberPath =
  | 'GetEntitlementsRequest.ProductCode'
  | 'GetEntitlementsRequest.Filter'
  | 'GetEntitlementsRequest.NextToken'
  | 'GetEntitlementsRequest.MaxResults'
  | 'EntitlementValue.IntegerValue'
  | 'EntitlementValue.DoubleValue'
  | 'EntitlementValue.BooleanValue'
  | 'EntitlementValue.StringValue'
  | 'Entitlement.ProductCode'
  | 'Entitlement.Dimension'
  | 'Entitlement.CustomerIdentifier'
  | 'Entitlement.CustomerAWSAccountId'
  | 'Entitlement.Value'
  | 'Entitlement.ExpirationDate'
  | 'Entitlement.LicenseArn'
  | 'GetEntitlementsResult.Entitlements'
  | 'GetEntitlementsResult.NextToken';

// ---- operations

export type OperationName = 'GetEntitlements';

/** Every operation, by name. */
export const operations: { readonly [O in OperationName]: Operation } = {
  GetEntitlements: {
    name: 'GetEntitlements',
    input: $GetEntitlementsRequest,
    output: $GetEntitlementsResult,
    errors: ['InvalidParameterException', 'ThrottlingException', 'InternalServiceErrorException'],
    idempotencyToken: undefined,
    documentation:
      'GetEntitlements retrieves entitlement values for a given product. The results can be filtered based on customer identifier, AWS account ID, license ARN, or product dimensions.',
  },
};

// ---- modelled errors

export type ErrorName =
  'InternalServiceErrorException' | 'InvalidParameterException' | 'ThrottlingException';

/** Every modelled error, by name: its HTTP status, fault, and the operations that throw it. */
export const errors: { readonly [E in ErrorName]: ModelledError } = {
  InternalServiceErrorException: {
    name: 'InternalServiceErrorException',
    httpStatus: 500,
    fault: 'server',
    operations: ['GetEntitlements'],
    documentation:
      'An internal error has occurred. Retry your request. If the problem persists, post a message with details on the AWS forums.',
  },
  InvalidParameterException: {
    name: 'InvalidParameterException',
    httpStatus: 400,
    fault: 'client',
    operations: ['GetEntitlements'],
    documentation: 'One or more parameters in your request was invalid.',
  },
  ThrottlingException: {
    name: 'ThrottlingException',
    httpStatus: 400,
    fault: 'client',
    operations: ['GetEntitlements'],
    documentation: 'The calls to the GetEntitlements API are throttled.',
  },
};

// ---- types

export const GetEntitlementFilterName = {
  /** The customer identifier ResolveCustomer returned (SaaS). */
  CUSTOMER_IDENTIFIER: 'CUSTOMER_IDENTIFIER',
  /** The dimension the entitlement is for. */
  DIMENSION: 'DIMENSION',
  /** The buyer's AWS account ID. */
  CUSTOMER_AWS_ACCOUNT_ID: 'CUSTOMER_AWS_ACCOUNT_ID',
  /** The ARN of the licence granted by the agreement. */
  LICENSE_ARN: 'LICENSE_ARN',
} as const;

/** One of the values of {@link GetEntitlementFilterName}. */
export type GetEntitlementFilterName =
  (typeof GetEntitlementFilterName)[keyof typeof GetEntitlementFilterName];

/**
 * The GetEntitlementsRequest contains parameters for the GetEntitlements operation.
 *
 * @example
 * const input: GetEntitlementsRequest = {
 *   ProductCode: 'acme-saas',
 *   Filter: { CUSTOMER_AWS_ACCOUNT_ID: ['210987654321'] },
 *   MaxResults: 25,
 * };
 */
export interface GetEntitlementsRequest {
  /**
   * Product code is used to uniquely identify a product in AWS Marketplace. The product code will
   * be provided by AWS Marketplace when the product listing is created.
   *
   * Constraints: 1 to 255 characters.
   */
  ProductCode: string;
  /**
   * Filter is used to return entitlements for a specific customer or for a specific dimension.
   * Filters are described as keys mapped to a lists of values. Filtered requests are unioned for
   * each value in the value list, and then intersected for each filter key.
   *
   * `CustomerIdentifier` and `CustomerAWSAccountId` are mutually exclusive parameters. You must use
   * one or the other, but not both in the same request.
   *
   * If you're migrating an existing integration, use Account Feeds to map `CustomerIdentifier` to
   * `CustomerAWSAccountId`, and Agreements Feeds to map `CustomerAWSAccountId` and `LicenseArn`.
   */
  Filter?: Partial<Record<GetEntitlementFilterName, string[]>>;
  /**
   * For paginated calls to GetEntitlements, pass the NextToken from the previous
   * GetEntitlementsResult.
   *
   * Constraints: pattern `\S+`.
   */
  NextToken?: string;
  /**
   * The maximum number of items to retrieve from the GetEntitlements operation. For pagination, use
   * the NextToken field in subsequent calls to GetEntitlements.
   *
   * Constraints: value 1 to 25.
   */
  MaxResults?: number;
}

/**
 * The EntitlementValue represents the amount of capacity that the customer is entitled to for the
 * product.
 */
export interface EntitlementValue {
  /**
   * The IntegerValue field will be populated with an integer value when the entitlement is an
   * integer type. Otherwise, the field will not be set.
   */
  IntegerValue?: number;
  /**
   * The DoubleValue field will be populated with a double value when the entitlement is a double
   * type. Otherwise, the field will not be set.
   */
  DoubleValue?: number;
  /**
   * The BooleanValue field will be populated with a boolean value when the entitlement is a boolean
   * type. Otherwise, the field will not be set.
   */
  BooleanValue?: boolean;
  /**
   * The StringValue field will be populated with a string value when the entitlement is a string
   * type. Otherwise, the field will not be set.
   */
  StringValue?: string;
}

/**
 * An entitlement represents capacity in a product owned by the customer. For example, a customer
 * might own some number of users or seats in an SaaS application or some amount of data capacity in
 * a multi-tenant database.
 *
 * @example
 * const entitlement: Entitlement = {
 *   ProductCode: 'acme-saas',
 *   Dimension: 'seats',
 *   CustomerIdentifier: 'globex-on-acme',
 *   CustomerAWSAccountId: '210987654321',
 *   Value: { IntegerValue: 25 },
 *   ExpirationDate: new Date('2027-01-01T00:00:00Z'),
 * };
 */
export interface Entitlement {
  /**
   * The product code for which the given entitlement applies. Product codes are provided by AWS
   * Marketplace when the product listing is created.
   *
   * Constraints: 1 to 255 characters.
   */
  ProductCode?: string;
  /**
   * The dimension for which the given entitlement applies. Dimensions represent categories of
   * capacity in a product and are specified when the product is listed in AWS Marketplace.
   *
   * Constraints: pattern `\S+`.
   */
  Dimension?: string;
  /**
   * The customer identifier is a handle to each unique customer in an application. Customer
   * identifiers are obtained through the ResolveCustomer operation in AWS Marketplace Metering
   * Service.
   *
   * Constraints: pattern `\S+`.
   */
  CustomerIdentifier?: string;
  /**
   * The `CustomerAWSAccountId` parameter specifies the AWS account ID of the buyer.
   *
   * Constraints: pattern `\S+`.
   */
  CustomerAWSAccountId?: string;
  /**
   * The EntitlementValue represents the amount of capacity that the customer is entitled to for the
   * product.
   */
  Value?: EntitlementValue;
  /**
   * The expiration date represents the minimum date through which this entitlement is expected to
   * remain valid. For contractual products listed on AWS Marketplace, the expiration date is the
   * date at which the customer will renew or cancel their contract. Customers who are opting to
   * renew their contract will still have entitlements with an expiration date.
   */
  ExpirationDate?: Date;
  /**
   * The `LicenseArn` is a unique identifier for a specific granted license. These are used for
   * software purchased through AWS Marketplace.
   */
  LicenseArn?: string;
}

/** The GetEntitlementsRequest contains results from the GetEntitlements operation. */
export interface GetEntitlementsResult {
  /**
   * The set of entitlements found through the GetEntitlements operation. If the result contains an
   * empty set of entitlements, NextToken might still be present and should be used.
   *
   * Constraints: at least 0 items.
   */
  Entitlements?: Entitlement[];
  /**
   * For paginated results, use NextToken in subsequent calls to GetEntitlements. If the result
   * contains an empty set of entitlements, NextToken might still be present and should be used.
   *
   * Constraints: pattern `\S+`.
   */
  NextToken?: string;
}

/** The input and output type of each operation. */
export interface OperationTypes {
  GetEntitlements: { input: GetEntitlementsRequest; output: GetEntitlementsResult };
}
