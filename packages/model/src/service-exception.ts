/**
 * @module The base of every service's modelled exceptions as a client sees them, shaped as in the
 * AWS SDK for JavaScript: each service's base class and one subclass per modelled error extend it.
 */

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

/** An error answered by a service; each service's base class extends it. */
export class ServiceException extends Error {
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
