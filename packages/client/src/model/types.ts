/**
 * @module Inputs and outputs of the four operations, with AWS's member names and `Date` timestamps.
 */
import type { UsageRecordResultStatus } from './shapes.js';

/**
 * Metadata assigned to an allocation: one key and one value.
 *
 * @example
 * const tag: Tag = { Key: 'team', Value: 'analytics' };
 */
export interface Tag {
  /** A label that acts like a category for the tag's values (1–100 characters). */
  Key: string;
  /** A descriptor within the tag's category (1–256 characters). */
  Value: string;
}

/**
 * A share of a usage quantity, bucketed by tags. The allocations of a record must add up to its
 * quantity, and each must have a distinct set of tags (at most one may have none).
 *
 * @example
 * const allocation: UsageAllocation = {
 *   AllocatedUsageQuantity: 3,
 *   Tags: [{ Key: 'team', Value: 'analytics' }],
 * };
 */
export interface UsageAllocation {
  /** The quantity allocated to this bucket (0–2147483647). */
  AllocatedUsageQuantity: number;
  /** The tags that define the bucket (1–5); leave out for the untagged bucket. */
  Tags?: Tag[];
}

/**
 * A quantity of usage for one customer, dimension and hour, as sent to `batchMeterUsage`.
 * Name the customer by `CustomerIdentifier` or by `CustomerAWSAccountId` (with `LicenseArn`), never both.
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
  /** The UTC time the usage is reported for; at most six hours in the past. */
  Timestamp: Date;
  /** The customer, as returned by `resolveCustomer`. */
  CustomerIdentifier?: string;
  /** One of the dimensions the product was published with. */
  Dimension: string;
  /** The quantity consumed (0–2147483647); the service takes 0 when left out. */
  Quantity?: number;
  /** How the quantity splits across tag buckets (1–2500 allocations). */
  UsageAllocations?: UsageAllocation[];
  /** The buyer's AWS account ID, instead of `CustomerIdentifier`. */
  CustomerAWSAccountId?: string;
  /** The ARN of the buyer's license, required with `CustomerAWSAccountId` for newer products. */
  LicenseArn?: string;
}

/**
 * Input of `batchMeterUsage`: up to 25 usage records for one product.
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
  /** The records to submit (0–25). */
  UsageRecords: UsageRecord[];
  /** The product the records are for; left out when each record names a `LicenseArn`. */
  ProductCode?: string;
}

/**
 * The status of one record processed by `batchMeterUsage`.
 *
 * @example
 * const failed = (results: UsageRecordResult[]) => results.filter((r) => r.Status !== 'Success');
 */
export interface UsageRecordResult {
  /** The record as it was sent. */
  UsageRecord?: UsageRecord;
  /** The unique identifier of this metering event. */
  MeteringRecordId?: string;
  /** Whether the record was honoured. */
  Status?: UsageRecordResultStatus;
}

/**
 * Output of `batchMeterUsage`.
 *
 * @example
 * const { Results = [], UnprocessedRecords = [] } = await svc.batchMeterUsage(input);
 * if (UnprocessedRecords.length > 0) await svc.batchMeterUsage({ ...input, UsageRecords: UnprocessedRecords });
 */
export interface BatchMeterUsageResult {
  /** The records that were processed, honoured or not. */
  Results?: UsageRecordResult[];
  /** Records the service could not process for a transient reason: send them again. */
  UnprocessedRecords?: UsageRecord[];
}

/**
 * Input of `meterUsage`, called with the buyer's credentials from the running software.
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
  /** The product code the software was published with. */
  ProductCode: string;
  /** The UTC time the usage is reported for; at most six hours in the past. */
  Timestamp: Date;
  /** One of the product's dimensions. */
  UsageDimension: string;
  /** The quantity consumed this hour (0–2147483647); the service takes 0 when left out. */
  UsageQuantity?: number;
  /** Only check permissions: the service answers with a `DryRunOperation` error when allowed. */
  DryRun?: boolean;
  /** How the quantity splits across tag buckets (1–2500 allocations). */
  UsageAllocations?: UsageAllocation[];
  /** An idempotency token (1–64 characters); the client fills in a UUID when left out. */
  ClientToken?: string;
}

/**
 * Output of `meterUsage`.
 *
 * @example
 * const { MeteringRecordId } = await svc.meterUsage(input);
 */
export interface MeterUsageResult {
  /** The identifier of the metering record. */
  MeteringRecordId?: string;
}

/**
 * Input of `registerUsage`, called by a paid container product when its task or pod starts.
 *
 * @example
 * const input: RegisterUsageRequest = { ProductCode: 'acme-container', PublicKeyVersion: 1, Nonce: 'pod-42' };
 */
export interface RegisterUsageRequest {
  /** The product code the software was published with. */
  ProductCode: string;
  /** The version of the public key that will verify the returned signature (at least 1). */
  PublicKeyVersion: number;
  /** Scopes the registration to one running instance and guards against replay (up to 255 characters). */
  Nonce?: string;
}

/**
 * Output of `registerUsage`.
 *
 * @example
 * const { Signature } = await svc.registerUsage(input);
 * const payload = JSON.parse(Buffer.from(Signature!.split('.')[1]!, 'base64url').toString());
 */
export interface RegisterUsageResult {
  /** Present only when the requested public key version has expired. */
  PublicKeyRotationTimestamp?: Date;
  /** A JWS (`PS256`) to verify with the public key of the requested version. */
  Signature?: string;
}

/**
 * Input of `resolveCustomer`: the token the buyer's browser posted to the fulfilment URL.
 *
 * @example
 * const input: ResolveCustomerRequest = { RegistrationToken: form['x-amzn-marketplace-token'] };
 */
export interface ResolveCustomerRequest {
  /** The value of the `x-amzn-marketplace-token` form field. */
  RegistrationToken: string;
}

/**
 * Output of `resolveCustomer`.
 *
 * @example
 * const { CustomerIdentifier, CustomerAWSAccountId, LicenseArn } = await svc.resolveCustomer(input);
 */
export interface ResolveCustomerResult {
  /** Identifies the customer in `batchMeterUsage` records. */
  CustomerIdentifier?: string;
  /** The product the buyer subscribed to. */
  ProductCode?: string;
  /** The buyer's AWS account ID. */
  CustomerAWSAccountId?: string;
  /** The ARN of the license granted to the buyer. */
  LicenseArn?: string;
}

/**
 * Facts about the HTTP exchange behind a result or an error, shaped as in the AWS SDK for JavaScript.
 *
 * @example
 * const { $metadata } = await svc.meterUsage(input);
 * console.log($metadata.requestId, $metadata.attempts);
 */
export interface ResponseMetadata {
  /** The HTTP status of the last response. */
  httpStatusCode: number;
  /** The `x-amzn-RequestId` header of the last response. */
  requestId: string | undefined;
  /** How many attempts the call took (1 when it was not retried). */
  attempts: number;
  /** Milliseconds spent waiting between attempts. */
  totalRetryDelay: number;
}

/**
 * An operation's output as returned by the client: its members plus `$metadata`.
 *
 * @example
 * const out: Output<MeterUsageResult> = await svc.meterUsage(input);
 */
export type Output<T> = T & { $metadata: ResponseMetadata };
