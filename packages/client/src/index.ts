/**
 * @module @meterd/client: a light client of the AWS Marketplace Metering Service, shaped as paws' `marketplacemetering()`.
 */
export {
  marketplacemetering,
  type MarketplaceMeteringClient,
} from './client/marketplacemetering.js';
export type {
  CredentialsOptions,
  MarketplaceMeteringConfig,
  MarketplaceMeteringOptions,
  StaticCredentials,
} from './config/options.js';
export { UsageRecordResultStatus } from './model/shapes.js';
export type {
  BatchMeterUsageRequest,
  BatchMeterUsageResult,
  MeterUsageRequest,
  MeterUsageResult,
  Output,
  RegisterUsageRequest,
  RegisterUsageResult,
  ResolveCustomerRequest,
  ResolveCustomerResult,
  ResponseMetadata,
  Tag,
  UsageAllocation,
  UsageRecord,
  UsageRecordResult,
} from './model/types.js';
export * from './errors.js';
export type { Credentials } from './credentials/credentials.js';
