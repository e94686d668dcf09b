/**
 * @module Every error meterd puts on the wire: one class per AWS shape, named exactly as the
 * shape, carrying its fault and HTTP status. The modelled ones come from the model's table of
 * errors; those of the protocol and of authentication are meterd's. `toWireError` turns anything
 * thrown into one.
 */

import type { Fault, ModelledError } from '@meterd/model';
import * as entitlement from '@meterd/model/entitlement';
import * as metering from '@meterd/model/metering';
import type { Service } from './services.js';

export type { Fault } from '@meterd/model';

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

type ErrorName = metering.ErrorName | entitlement.ErrorName;

/**
 * The modelled errors of every service. An error both services model (ThrottlingException,
 * InternalServiceErrorException) is one class: the models give it the same status and fault.
 */
const errors = {} as Record<ErrorName, ModelledError>;
for (const table of [metering.errors, entitlement.errors] as Record<string, ModelledError>[])
  for (const [name, error] of Object.entries(table) as [ErrorName, ModelledError][]) {
    const known = errors[name] as ModelledError | undefined;
    if (known && (known.httpStatus !== error.httpStatus || known.fault !== error.fault))
      throw new Error(`the services model ${name} differently`);
    errors[name] = error;
  }

/** meterd's status where the model's JSON form gives none but AWS answers with another. */
const STATUS: { readonly [E in ErrorName]?: number } = {
  // The model the AWS SDKs are generated from declares 409 (an HTTP error trait the JSON form
  // of the model leaves out).
  IdempotencyConflictException: 409,
};

const modelled = Object.fromEntries(
  (Object.keys(errors) as ErrorName[]).map((name) => {
    const { httpStatus, fault } = errors[name];
    return [name, define(name, STATUS[name] ?? httpStatus, fault)];
  }),
) as { readonly [E in ErrorName]: ReturnType<typeof define> };

// Modelled exceptions of the Marketplace Metering API and the Marketplace Entitlement Service, one
// class per entry of the models' tables.
export const {
  CustomerNotEntitledException,
  DisabledApiException,
  DuplicateRequestException,
  ExpiredTokenException,
  IdempotencyConflictException,
  InternalServiceErrorException,
  InvalidCustomerIdentifierException,
  InvalidEndpointRegionException,
  InvalidLicenseException,
  InvalidParameterException,
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
} = modelled;

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

/**
 * The error a service answers a violated constraint of its model with: the metering service's
 * `ValidationException`; the entitlement service models none, and answers bad parameters with
 * its `InvalidParameterException`.
 */
export const validationErrorOf = (service: Service) =>
  service.key === 'entitlement' ? InvalidParameterException : ValidationException;

const named = new Map<string, ReturnType<typeof define>>();

/**
 * An error of any name: the modelled class of that name (with `status` in place of its own if
 * given), else a generic one with `status` (503 if none), a server fault from 500 on. Fault
 * injection answers with these.
 * @example
 * errorNamed('ThrottlingException', undefined, 'Rate exceeded.'); // the modelled class, 400
 * errorNamed('ServiceUnavailable', 503, 'Try again.');
 */
export function errorNamed(name: string, status: number | undefined, message: string): AwsError {
  const model = (modelled as Record<string, ReturnType<typeof define> | undefined>)[name];
  if (model && (status === undefined || status === new model('').$status))
    return new model(message);
  const code = status ?? 503;
  const key = `${name} ${code}`;
  let cls = named.get(key);
  if (!cls) {
    cls = define(name, code, code >= 500 ? 'server' : 'client');
    if (named.size < 1000) named.set(key, cls);
  }
  return new cls(message);
}

/** The `{__type, message}` body and status of any thrown value; unexpected ones become a 500. */
export function toWireError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  return new InternalServiceErrorException('An internal error occurred. Please retry.');
}
