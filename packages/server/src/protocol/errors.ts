/**
 * @module Every error meterd puts on the wire: one class per AWS shape, named exactly as the
 * shape, carrying its fault and HTTP status. `toWireError` turns anything thrown into one.
 */

export type Fault = 'client' | 'server';

/** Base of all wire errors: `name` is the `__type` sent to the client. */
export abstract class AwsError extends Error {
  abstract override readonly name: string;
  readonly $fault: Fault = 'client';
  readonly $status: number = 400;
}

const define = (name: string, status = 400, fault: Fault = 'client') => {
  const cls = class extends AwsError {
    override readonly name = name;
    override readonly $fault = fault;
    override readonly $status = status;
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
};

// Modelled exceptions of the Marketplace Metering API.
export const CustomerNotEntitledException = define('CustomerNotEntitledException');
export const DisabledApiException = define('DisabledApiException');
export const DuplicateRequestException = define('DuplicateRequestException');
export const ExpiredTokenException = define('ExpiredTokenException');
export const IdempotencyConflictException = define('IdempotencyConflictException', 409);
export const InternalServiceErrorException = define('InternalServiceErrorException', 500, 'server');
export const InvalidCustomerIdentifierException = define('InvalidCustomerIdentifierException');
export const InvalidEndpointRegionException = define('InvalidEndpointRegionException');
export const InvalidLicenseException = define('InvalidLicenseException');
export const InvalidProductCodeException = define('InvalidProductCodeException');
export const InvalidPublicKeyVersionException = define('InvalidPublicKeyVersionException');
export const InvalidRegionException = define('InvalidRegionException');
export const InvalidTagException = define('InvalidTagException');
export const InvalidTokenException = define('InvalidTokenException');
export const InvalidUsageAllocationsException = define('InvalidUsageAllocationsException');
export const InvalidUsageDimensionException = define('InvalidUsageDimensionException');
export const PlatformNotSupportedException = define('PlatformNotSupportedException');
export const ThrottlingException = define('ThrottlingException');
export const TimestampOutOfBoundsException = define('TimestampOutOfBoundsException');

// Errors of the AWS JSON protocol and of authentication, common to every AWS service.
export const ValidationException = define('ValidationException');
export const SerializationException = define('SerializationException');
export const UnknownOperationException = define('UnknownOperationException');
export const UnsupportedMediaTypeException = define('UnsupportedMediaTypeException', 415);
export const RequestEntityTooLargeException = define('RequestEntityTooLargeException', 413);
// meterd's answers to requests its HTTP server refuses before any route sees them (see
// http/limits.ts). SDKs retry RequestTimeoutException as a transient error.
export const RequestTimeoutException = define('RequestTimeoutException', 408);
export const RequestHeaderFieldsTooLargeException = define(
  'RequestHeaderFieldsTooLargeException',
  431,
);
export const MissingAuthenticationTokenException = define('MissingAuthenticationTokenException');
export const IncompleteSignatureException = define('IncompleteSignatureException');
export const UnrecognizedClientException = define('UnrecognizedClientException');
export const InvalidSignatureException = define('InvalidSignatureException');
/** Not a failure: MeterUsage's answer to `DryRun: true` when the call would have succeeded. */
export const DryRunOperation = define('DryRunOperation', 412);

/** The `{__type, message}` body and status of any thrown value; unexpected ones become a 500. */
export function toWireError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  return new InternalServiceErrorException('An internal error occurred. Please retry.');
}
