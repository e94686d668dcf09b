/**
 * @module Every error the client throws, in one catalogue: the service's errors (a base class,
 * and one class per exception in the API model, named as its shape), and the client's own
 * (timeout, configuration, credentials).
 */
import type { ResponseMetadata } from './model/types.js';

/** What the protocol layer knows when it builds a service error. */
export interface ServiceExceptionInit {
  /** The error's message as the service sent it. */
  message: string;
  /** The HTTP status of the response. */
  $httpStatus: number;
  /** The `x-amzn-RequestId` header of the response. */
  requestId: string | undefined;
  /** Attempts and retry delay of the call that failed. */
  attempts?: number;
  totalRetryDelay?: number;
}

/**
 * An error answered by the service. Modelled errors are subclasses named after their shape
 * (`ThrottlingException`, ...); any other error code (`ValidationException`,
 * `UnrecognizedClientException`, `DryRunOperation`, ...) is an instance of this class whose
 * `name` is the code from the response.
 *
 * @example
 * try {
 *   await svc.meterUsage(input);
 * } catch (err) {
 *   if (err instanceof MarketplaceMeteringServiceException && err.name === 'ValidationException') {
 *     console.error(err.message, err.requestId);
 *   } else throw err;
 * }
 */
export class MarketplaceMeteringServiceException extends Error {
  /** Whether the caller (`client`) or the service (`server`) is at fault. */
  readonly $fault: 'client' | 'server';
  /** The HTTP status of the response. */
  readonly $httpStatus: number;
  /** The `x-amzn-RequestId` header of the response, to quote to the service's operators. */
  readonly requestId: string | undefined;
  /** The same facts in the AWS SDK for JavaScript's shape, so code written for it keeps working. */
  readonly $metadata: ResponseMetadata;

  constructor(init: ServiceExceptionInit & { name: string; $fault?: 'client' | 'server' }) {
    super(init.message);
    this.name = init.name;
    this.$fault = init.$fault ?? (init.$httpStatus >= 500 ? 'server' : 'client');
    this.$httpStatus = init.$httpStatus;
    this.requestId = init.requestId;
    this.$metadata = {
      httpStatusCode: init.$httpStatus,
      requestId: init.requestId,
      attempts: init.attempts ?? 1,
      totalRetryDelay: init.totalRetryDelay ?? 0,
    };
  }
}

/**
 * Exception thrown when the customer does not have a valid subscription for the product.
 * Thrown by `meterUsage`, `registerUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof CustomerNotEntitledException) console.error(err.message, err.requestId);
 */
export class CustomerNotEntitledException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'CustomerNotEntitledException', $fault: 'client' });
  }
}

/**
 * The API is disabled in the Region.
 * Thrown by `batchMeterUsage`, `registerUsage`, `resolveCustomer`; fault: `client`.
 *
 * @example
 * if (err instanceof DisabledApiException) console.error(err.message, err.requestId);
 */
export class DisabledApiException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'DisabledApiException', $fault: 'client' });
  }
}

/**
 * A metering record has already been emitted by the same EC2 instance, ECS task, or EKS pod for the given {usageDimension, timestamp} with a different usageQuantity.
 * Thrown by `meterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof DuplicateRequestException) console.error(err.message, err.requestId);
 */
export class DuplicateRequestException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'DuplicateRequestException', $fault: 'client' });
  }
}

/**
 * The submitted registration token has expired. This can happen if the buyer's browser takes too long to redirect to your page, the buyer has resubmitted the registration token, or your application has held on to the registration token for too long. Your SaaS registration website should redeem this token as soon as it is submitted by the buyer's browser.
 * Thrown by `resolveCustomer`; fault: `client`.
 *
 * @example
 * if (err instanceof ExpiredTokenException) console.error(err.message, err.requestId);
 */
export class ExpiredTokenException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'ExpiredTokenException', $fault: 'client' });
  }
}

/**
 * The ClientToken is being used for multiple requests.
 * Thrown by `meterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof IdempotencyConflictException) console.error(err.message, err.requestId);
 */
export class IdempotencyConflictException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'IdempotencyConflictException', $fault: 'client' });
  }
}

/**
 * An internal error has occurred. Retry your request. If the problem persists, post a message with details on the Amazon Web Services forums.
 * Thrown by `batchMeterUsage`, `meterUsage`, `registerUsage`, `resolveCustomer`; fault: `server`.
 *
 * @example
 * if (err instanceof InternalServiceErrorException) console.error(err.message, err.requestId);
 */
export class InternalServiceErrorException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InternalServiceErrorException', $fault: 'server' });
  }
}

/**
 * You have metered usage for a CustomerIdentifier that does not exist.
 * Thrown by `batchMeterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidCustomerIdentifierException) console.error(err.message, err.requestId);
 */
export class InvalidCustomerIdentifierException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidCustomerIdentifierException', $fault: 'client' });
  }
}

/**
 * The endpoint being called is in a Amazon Web Services Region different from your EC2 instance, ECS task, or EKS pod. The Region of the Metering Service endpoint and the Amazon Web Services Region of the resource must match.
 * Thrown by `meterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidEndpointRegionException) console.error(err.message, err.requestId);
 */
export class InvalidEndpointRegionException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidEndpointRegionException', $fault: 'client' });
  }
}

/**
 * Ensure the LicenseArn is valid, matches the customer, and usage is within the license activation period.
 * Thrown by `batchMeterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidLicenseException) console.error(err.message, err.requestId);
 */
export class InvalidLicenseException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidLicenseException', $fault: 'client' });
  }
}

/**
 * The product code passed does not match the product code used for publishing the product.
 * Thrown by `batchMeterUsage`, `meterUsage`, `registerUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidProductCodeException) console.error(err.message, err.requestId);
 */
export class InvalidProductCodeException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidProductCodeException', $fault: 'client' });
  }
}

/**
 * Public Key version is invalid.
 * Thrown by `registerUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidPublicKeyVersionException) console.error(err.message, err.requestId);
 */
export class InvalidPublicKeyVersionException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidPublicKeyVersionException', $fault: 'client' });
  }
}

/**
 * RegisterUsage must be called in the same Amazon Web Services Region the ECS task was launched in. This prevents a container from hardcoding a Region (e.g. withRegion("us-east-1") when calling RegisterUsage.
 * Thrown by `registerUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidRegionException) console.error(err.message, err.requestId);
 */
export class InvalidRegionException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidRegionException', $fault: 'client' });
  }
}

/**
 * The tag is invalid, or the number of tags is greater than 5.
 * Thrown by `batchMeterUsage`, `meterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidTagException) console.error(err.message, err.requestId);
 */
export class InvalidTagException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidTagException', $fault: 'client' });
  }
}

/**
 * Registration token is invalid.
 * Thrown by `resolveCustomer`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidTokenException) console.error(err.message, err.requestId);
 */
export class InvalidTokenException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidTokenException', $fault: 'client' });
  }
}

/**
 * Sum of allocated usage quantities is not equal to the usage quantity.
 * Thrown by `batchMeterUsage`, `meterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidUsageAllocationsException) console.error(err.message, err.requestId);
 */
export class InvalidUsageAllocationsException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidUsageAllocationsException', $fault: 'client' });
  }
}

/**
 * The usage dimension does not match one of the UsageDimensions associated with products.
 * Thrown by `batchMeterUsage`, `meterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidUsageDimensionException) console.error(err.message, err.requestId);
 */
export class InvalidUsageDimensionException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidUsageDimensionException', $fault: 'client' });
  }
}

/**
 * Amazon Web Services Marketplace does not support metering usage from the underlying platform. Currently, Amazon ECS, Amazon EKS, and Fargate are supported.
 * Thrown by `registerUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof PlatformNotSupportedException) console.error(err.message, err.requestId);
 */
export class PlatformNotSupportedException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'PlatformNotSupportedException', $fault: 'client' });
  }
}

/**
 * The calls to the API are throttled.
 * Thrown by `batchMeterUsage`, `meterUsage`, `registerUsage`, `resolveCustomer`; fault: `client`.
 *
 * @example
 * if (err instanceof ThrottlingException) console.error(err.message, err.requestId);
 */
export class ThrottlingException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'ThrottlingException', $fault: 'client' });
  }
}

/**
 * The timestamp value passed in the UsageRecord is out of allowed range. For BatchMeterUsage, if any of the records are outside of the allowed range, the entire batch is not processed. You must remove invalid records and try again.
 * Thrown by `batchMeterUsage`, `meterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof TimestampOutOfBoundsException) console.error(err.message, err.requestId);
 */
export class TimestampOutOfBoundsException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'TimestampOutOfBoundsException', $fault: 'client' });
  }
}

/** A class of modelled error, constructed by the protocol layer. */
export type ModelledErrorClass = new (
  init: ServiceExceptionInit,
) => MarketplaceMeteringServiceException;

/**
 * Every modelled error class by shape name, for turning a wire error code into an instance.
 *
 * @example
 * const ErrorClass = MODELLED_ERRORS['ThrottlingException']; // ThrottlingException
 */
export const MODELLED_ERRORS: Readonly<Record<string, ModelledErrorClass>> = {
  CustomerNotEntitledException,
  DisabledApiException,
  DuplicateRequestException,
  ExpiredTokenException,
  IdempotencyConflictException,
  InternalServiceErrorException,
  InvalidCustomerIdentifierException,
  InvalidEndpointRegionException,
  InvalidLicenseException,
  InvalidProductCodeException,
  InvalidPublicKeyVersionException,
  InvalidRegionException,
  InvalidTagException,
  InvalidTokenException,
  InvalidUsageAllocationsException,
  InvalidUsageDimensionException,
  PlatformNotSupportedException,
  ThrottlingException,
  TimestampOutOfBoundsException,
};

/**
 * Thrown when a call did not complete within the client's `timeout` (seconds, default 60),
 * retries and waits between them included, or when no connection could be made within
 * `connect_timeout` on the last attempt.
 *
 * @example
 * try {
 *   await svc.meterUsage(input);
 * } catch (err) {
 *   if (err instanceof TimeoutError) console.error(`gave up after ${err.attempts} attempt(s)`);
 * }
 */
export class TimeoutError extends Error {
  /** The operation that timed out. */
  readonly operation: string;
  /** The limit that was reached, in seconds. */
  readonly timeoutSeconds: number;
  /** Which limit was reached: the whole call's or one connection attempt's. */
  readonly phase: 'call' | 'connect';
  /** Attempts started before the limit was reached. */
  readonly attempts: number;

  constructor(init: {
    operation: string;
    timeoutSeconds: number;
    phase: 'call' | 'connect';
    attempts: number;
  }) {
    super(
      init.phase === 'call'
        ? `${init.operation} did not complete within ${init.timeoutSeconds} s (timeout); ${init.attempts} attempt(s) made`
        : `${init.operation} could not connect within ${init.timeoutSeconds} s (connect_timeout); ${init.attempts} attempt(s) made`,
    );
    this.name = 'TimeoutError';
    this.operation = init.operation;
    this.timeoutSeconds = init.timeoutSeconds;
    this.phase = init.phase;
    this.attempts = init.attempts;
  }
}

/**
 * Thrown by `marketplacemetering()` for an unknown or mistyped configuration key, and by the
 * first call when no region can be found or an endpoint is not a usable URL.
 *
 * @example
 * try {
 *   marketplacemetering({ config: { maxRetries: 5 } as never });
 * } catch (err) {
 *   if (err instanceof ConfigurationError) console.error(err.message); // ... did you mean 'max_retries'?
 * }
 */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * Thrown by a call when no credentials can be found (environment, profile files, container,
 * instance metadata), when a named profile has none, or when static credentials have expired.
 * `cause` holds the underlying provider's error, if any.
 *
 * @example
 * try {
 *   await svc.resolveCustomer({ RegistrationToken: token });
 * } catch (err) {
 *   if (err instanceof CredentialsError) console.error('set AWS_ACCESS_KEY_ID or AWS_PROFILE:', err.message);
 * }
 */
export class CredentialsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialsError';
  }
}
