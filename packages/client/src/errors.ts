/**
 * @module Every error the client throws, in one catalogue: the service's errors (a base class,
 * and one class per exception in the API model, named as its shape, generated from the model),
 * and the client's own (timeout, configuration, credentials).
 */
import type { ServiceExceptionInit } from '@meterd/model';
import { errors, type ErrorName } from '@meterd/model/metering';
import * as exceptions from '@meterd/model/metering/exceptions';
import type { MarketplaceMeteringServiceException } from '@meterd/model/metering/exceptions';

export * from '@meterd/model/metering/exceptions';
export type { ServiceExceptionInit } from '@meterd/model';

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
export const MODELLED_ERRORS: Readonly<Record<string, ModelledErrorClass>> = Object.fromEntries(
  Object.keys(errors).map((name) => [name, exceptions[name as ErrorName]]),
);

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
