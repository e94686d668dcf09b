/**
 * @module Exception classes of the Marketplace Entitlement Service API (2017-01-11), generated from
 * models/entitlement/service-2.json by scripts/generate.mjs: do not edit, run `npm run generate`.
 */

import { ServiceException, type ServiceExceptionInit } from '../../service-exception.js';

/**
 * An error answered by the service. Modelled errors are subclasses named after their shape
 * (`InvalidParameterException`, ...); any other error code is an instance of this class whose
 * `name` is the code from the response.
 */
export class MarketplaceEntitlementServiceServiceException extends ServiceException {}

/**
 * An internal error has occurred. Retry your request. If the problem persists, post a message with
 * details on the AWS forums.
 *
 * Thrown by `GetEntitlements`; fault: `server`.
 *
 * @example
 * if (err instanceof InternalServiceErrorException) console.error(err.message, err.requestId);
 */
export class InternalServiceErrorException extends MarketplaceEntitlementServiceServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InternalServiceErrorException', $fault: 'server' });
  }
}

/**
 * One or more parameters in your request was invalid.
 *
 * Thrown by `GetEntitlements`; fault: `client`.
 *
 * @example
 * if (err instanceof InvalidParameterException) console.error(err.message, err.requestId);
 */
export class InvalidParameterException extends MarketplaceEntitlementServiceServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'InvalidParameterException', $fault: 'client' });
  }
}

/**
 * The calls to the GetEntitlements API are throttled.
 *
 * Thrown by `GetEntitlements`; fault: `client`.
 *
 * @example
 * if (err instanceof ThrottlingException) console.error(err.message, err.requestId);
 */
export class ThrottlingException extends MarketplaceEntitlementServiceServiceException {
  constructor(init: ServiceExceptionInit) {
    super({ ...init, name: 'ThrottlingException', $fault: 'client' });
  }
}
