/**
 * @module `marketplacemetering()`: the client, shaped as paws' constructor of the same name.
 */
import type { MarketplaceMeteringOptions } from '../config/options.js';
import { resolveOptions } from '../config/resolve-options.js';
import type {
  BatchMeterUsageRequest,
  BatchMeterUsageResult,
  MeterUsageRequest,
  MeterUsageResult,
  Output,
  RegisterUsageRequest,
  RegisterUsageResult,
  ResolveCustomerRequest,
  ResolveCustomerResult,
} from '../model/types.js';
import type { OperationName } from '../model/shapes.js';
import { createTransport } from '../transport/http-transport.js';
import { abortableSleep, callOperation, type CallContext } from './call-operation.js';
import { targetResolver } from './resolve-target.js';

/**
 * A client of the AWS Marketplace Metering Service, as returned by `marketplacemetering()`.
 * Each method is paws' `svc$snake_case_name(...)` in camelCase, taking the same members.
 *
 * @example
 * const svc = marketplacemetering({ region: 'us-east-1' });
 * const { MeteringRecordId } = await svc.meterUsage({
 *   ProductCode: 'acme-ami',
 *   Timestamp: new Date(),
 *   UsageDimension: 'hours',
 *   UsageQuantity: 1,
 * });
 */
export interface MarketplaceMeteringClient {
  /**
   * Posts up to 25 usage records for a SaaS product, with the seller's credentials. Records
   * come back in `Results` (honoured or not) or in `UnprocessedRecords` (send those again).
   *
   * @throws {InvalidProductCodeException | InvalidUsageDimensionException | InvalidTagException | InvalidUsageAllocationsException | InvalidCustomerIdentifierException | InvalidLicenseException | TimestampOutOfBoundsException | ThrottlingException | InternalServiceErrorException | DisabledApiException}
   * @example
   * const { Results, UnprocessedRecords } = await svc.batchMeterUsage({
   *   ProductCode: 'acme-saas',
   *   UsageRecords: [
   *     { Timestamp: new Date(), CustomerIdentifier: 'globex-on-acme', Dimension: 'requests', Quantity: 3 },
   *   ],
   * });
   */
  batchMeterUsage(input: BatchMeterUsageRequest): Promise<Output<BatchMeterUsageResult>>;

  /**
   * Emits one metering record from software running in the buyer's account (EC2, ECS, EKS),
   * with the credentials of the instance, task or pod. A `ClientToken` UUID is added when none
   * is given, and kept across retries.
   *
   * @throws {InvalidProductCodeException | InvalidUsageDimensionException | InvalidTagException | InvalidUsageAllocationsException | InvalidEndpointRegionException | TimestampOutOfBoundsException | DuplicateRequestException | IdempotencyConflictException | ThrottlingException | CustomerNotEntitledException | InternalServiceErrorException}
   * @example
   * const { MeteringRecordId } = await svc.meterUsage({
   *   ProductCode: 'acme-ami',
   *   Timestamp: new Date(),
   *   UsageDimension: 'hours',
   *   UsageQuantity: 1,
   * });
   */
  meterUsage(input: MeterUsageRequest): Promise<Output<MeterUsageResult>>;

  /**
   * Checks the entitlement of a paid container product and starts its hourly metering; call it
   * once when the task or pod starts. Returns a signed token to verify with the public key.
   *
   * @throws {InvalidProductCodeException | InvalidRegionException | InvalidPublicKeyVersionException | PlatformNotSupportedException | CustomerNotEntitledException | ThrottlingException | InternalServiceErrorException | DisabledApiException}
   * @example
   * const { Signature } = await svc.registerUsage({ ProductCode: 'acme-container', PublicKeyVersion: 1 });
   */
  registerUsage(input: RegisterUsageRequest): Promise<Output<RegisterUsageResult>>;

  /**
   * Exchanges the registration token a buyer's browser posted to the fulfilment URL for the
   * customer's identifiers, with the seller's credentials.
   *
   * @throws {InvalidTokenException | ExpiredTokenException | ThrottlingException | InternalServiceErrorException | DisabledApiException}
   * @example
   * const { CustomerIdentifier, CustomerAWSAccountId, LicenseArn } = await svc.resolveCustomer({
   *   RegistrationToken: form['x-amzn-marketplace-token'],
   * });
   */
  resolveCustomer(input: ResolveCustomerRequest): Promise<Output<ResolveCustomerResult>>;

  /**
   * Closes the client's idle keep-alive connections. Optional: idle connections do not keep
   * the process alive.
   *
   * @example
   * svc.destroy();
   */
  destroy(): void;
}

/** Replaceable parts of a client, for tests. */
export interface ClientHooks {
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Builds a client with replaceable randomness and waiting; `marketplacemetering()` is this
 * with the defaults.
 *
 * @example
 * const svc = createClient({ region: 'us-east-1' }, { random: () => 0 });
 */
export function createClient(
  options: MarketplaceMeteringOptions | undefined,
  hooks: ClientHooks = {},
): MarketplaceMeteringClient {
  const settings = resolveOptions(options);
  const transport = createTransport(settings);
  const context: CallContext = {
    settings,
    transport,
    target: targetResolver(settings),
    random: hooks.random ?? Math.random,
    sleep: hooks.sleep ?? abortableSleep,
  };
  const call =
    <I, O>(operation: OperationName) =>
    (input: I) =>
      callOperation(context, operation, input) as Promise<Output<O>>;
  return {
    batchMeterUsage: call<BatchMeterUsageRequest, BatchMeterUsageResult>('BatchMeterUsage'),
    meterUsage: call<MeterUsageRequest, MeterUsageResult>('MeterUsage'),
    registerUsage: call<RegisterUsageRequest, RegisterUsageResult>('RegisterUsage'),
    resolveCustomer: call<ResolveCustomerRequest, ResolveCustomerResult>('ResolveCustomer'),
    destroy: () => transport.destroy(),
  };
}

/**
 * Creates a client of the AWS Marketplace Metering Service, as paws' `marketplacemetering()`:
 * `config` holds paws' configuration keys, and the `credentials`, `endpoint` and `region`
 * shorthands take precedence over the same keys in `config`. An unknown key throws a
 * `ConfigurationError` at once; region, endpoint and credentials are resolved on the first call.
 *
 * @example
 * import { marketplacemetering } from '@meterd/client';
 *
 * const svc = marketplacemetering({
 *   config: {
 *     credentials: { profile: 'acme-seller' },
 *     region: 'us-east-1',
 *     max_retries: 5,
 *   },
 * });
 * const { CustomerIdentifier } = await svc.resolveCustomer({ RegistrationToken: token });
 */
export function marketplacemetering(
  options?: MarketplaceMeteringOptions,
): MarketplaceMeteringClient {
  return createClient(options);
}
