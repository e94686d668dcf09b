/**
 * @module Exception classes of the Marketplace Metering API (2016-01-14), generated from
 * models/metering/service-2.json by scripts/generate.mjs: do not edit, run `npm run generate`.
 */

import { ServiceException, type ServiceExceptionInit } from '../../service-exception.js';

/**
 * An error answered by the service. Modelled errors are subclasses named after their shape
 * (`ThrottlingException`, ...); any other error code (`ValidationException`,
 * `UnrecognizedClientException`, `DryRunOperation`, ...) is an instance of this class whose `name`
 * is the code from the response.
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
export class MarketplaceMeteringServiceException extends ServiceException {}

/**
 * Exception thrown when the customer does not have a valid subscription for the product.
 *
 * Thrown by `MeterUsage` and `RegisterUsage`; fault: `client`.
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
 *
 * Thrown by `BatchMeterUsage`, `RegisterUsage` and `ResolveCustomer`; fault: `client`.
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
 * A metering record has already been emitted by the same EC2 instance, ECS task, or EKS pod for the
 * given {`usageDimension`, `timestamp`} with a different `usageQuantity`.
 *
 * Thrown by `MeterUsage`; fault: `client`.
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
 * The submitted registration token has expired. This can happen if the buyer's browser takes too
 * long to redirect to your page, the buyer has resubmitted the registration token, or your
 * application has held on to the registration token for too long. Your SaaS registration website
 * should redeem this token as soon as it is submitted by the buyer's browser.
 *
 * Thrown by `ResolveCustomer`; fault: `client`.
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
 * The `ClientToken` is being used for multiple requests.
 *
 * Thrown by `MeterUsage`; fault: `client`.
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
 * An internal error has occurred. Retry your request. If the problem persists, post a message with
 * details on the Amazon Web Services forums.
 *
 * Thrown by `BatchMeterUsage`, `MeterUsage`, `RegisterUsage` and `ResolveCustomer`; fault:
 * `server`.
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
 * You have metered usage for a `CustomerIdentifier` that does not exist.
 *
 * Thrown by `BatchMeterUsage`; fault: `client`.
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
 * The endpoint being called is in a Amazon Web Services Region different from your EC2 instance,
 * ECS task, or EKS pod. The Region of the Metering Service endpoint and the Amazon Web Services
 * Region of the resource must match.
 *
 * Thrown by `MeterUsage`; fault: `client`.
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
 * Ensure the `LicenseArn` is valid, matches the customer, and usage is within the license
 * activation period.
 *
 * Thrown by `BatchMeterUsage`; fault: `client`.
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
 *
 * Thrown by `BatchMeterUsage`, `MeterUsage` and `RegisterUsage`; fault: `client`.
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
 *
 * Thrown by `RegisterUsage`; fault: `client`.
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
 * `RegisterUsage` must be called in the same Amazon Web Services Region the ECS task was launched
 * in. This prevents a container from hardcoding a Region (e.g. withRegion(“us-east-1”) when calling
 * `RegisterUsage`.
 *
 * Thrown by `RegisterUsage`; fault: `client`.
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
 *
 * Thrown by `BatchMeterUsage` and `MeterUsage`; fault: `client`.
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
 *
 * Thrown by `ResolveCustomer`; fault: `client`.
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
 *
 * Thrown by `BatchMeterUsage` and `MeterUsage`; fault: `client`.
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
 * The usage dimension does not match one of the `UsageDimensions` associated with products.
 *
 * Thrown by `BatchMeterUsage` and `MeterUsage`; fault: `client`.
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
 * Amazon Web Services Marketplace does not support metering usage from the underlying platform.
 * Currently, Amazon ECS, Amazon EKS, and Fargate are supported.
 *
 * Thrown by `RegisterUsage`; fault: `client`.
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
 *
 * Thrown by `BatchMeterUsage`, `MeterUsage`, `RegisterUsage` and `ResolveCustomer`; fault:
 * `client`.
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
 * The `timestamp` value passed in the `UsageRecord` is out of allowed range.
 *
 * For `BatchMeterUsage`, if any of the records are outside of the allowed range, the entire batch
 * is not processed. You must remove invalid records and try again.
 *
 * Thrown by `BatchMeterUsage` and `MeterUsage`; fault: `client`.
 *
 * @example
 * if (err instanceof TimestampOutOfBoundsException) console.error(err.message, err.requestId);
 */
export class TimestampOutOfBoundsException extends MarketplaceMeteringServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'TimestampOutOfBoundsException', $fault: 'client' });
  }
}
