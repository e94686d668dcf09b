/**
 * @module One call of one operation: serialize, sign, send, read; retry with backoff; all within the call's timeout.
 */
import { randomUUID } from 'node:crypto';
import type { ClientSettings } from '../config/resolve-options.js';
import { TimeoutError } from '../errors.js';
import { OPERATIONS, SERVICE, type OperationName } from '../model/shapes.js';
import type { ResponseMetadata } from '../model/types.js';
import { readResponse, serialize } from '../protocol/aws-json.js';
import { ConnectTimeoutError, MAX_TIMER_MS, type Transport } from '../transport/http-transport.js';
import type { Target } from './resolve-target.js';
import { USER_AGENT } from './version.js';

/** What a call needs from its client; `random` and `sleep` are replaceable for tests. */
export interface CallContext {
  settings: ClientSettings;
  transport: Transport;
  target: () => Promise<Target>;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Waits `ms` milliseconds, or rejects as soon as `signal` aborts (loading the timers on the first retry). */
export const abortableSleep = async (ms: number, signal: AbortSignal): Promise<void> =>
  (await import('node:timers/promises')).setTimeout(ms, undefined, { signal });

/** Settles like `promise`, or rejects as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Fills an absent idempotency token with a UUID, once per call so that retries repeat it. */
function withIdempotencyToken(operation: OperationName, input: unknown): unknown {
  const token = OPERATIONS[operation].idempotencyToken;
  if (!token || typeof input !== 'object' || input === null) return input;
  const given = (input as Record<string, unknown>)[token];
  return given === undefined || given === null ? { ...input, [token]: randomUUID() } : input;
}

/**
 * Calls an operation and returns its output with `$metadata`, or throws the service's error,
 * a `TimeoutError`, a `CredentialsError`, a `ConfigurationError` or the last network error.
 *
 * @example
 * const out = await callOperation(context, 'ResolveCustomer', { RegistrationToken: token });
 */
export async function callOperation(
  context: CallContext,
  operation: OperationName,
  input: unknown,
): Promise<Record<string, unknown> & { $metadata: ResponseMetadata }> {
  const { settings, transport } = context;
  const spec = OPERATIONS[operation];
  const controller = new AbortController();
  const { signal } = controller;
  const timeoutMs = settings.timeoutSeconds * 1000;
  const timer =
    timeoutMs <= MAX_TIMER_MS ? setTimeout(() => controller.abort(), timeoutMs) : undefined;
  let attempts = 0;
  let totalRetryDelay = 0;
  const timedOut = () =>
    new TimeoutError({
      operation,
      timeoutSeconds: settings.timeoutSeconds,
      phase: 'call',
      attempts,
    });
  const rethrow = (err: unknown): never => {
    throw signal.aborted ? timedOut() : err;
  };

  try {
    const target = await untilAborted(context.target(), signal).catch(rethrow);
    const body = serialize(spec.input, withIdempotencyToken(operation, input));
    const headers: Record<string, string> = {
      'content-type': SERVICE.contentType,
      'x-amz-target': `${SERVICE.targetPrefix}.${operation}`,
      'content-length': String(Buffer.byteLength(body)),
      host: target.url.host,
      'user-agent': USER_AGENT,
    };
    for (;;) {
      attempts += 1;
      const credentials = await untilAborted(target.credentials(), signal).catch(rethrow);
      const request = { url: target.url, headers, body };
      const signed = credentials ? await target.sign(request, credentials) : headers;
      let failure: unknown;
      try {
        const response = await transport.send({ ...request, headers: signed }, signal);
        return readResponse(spec.output, response, { attempts, totalRetryDelay });
      } catch (err) {
        if (signal.aborted) throw timedOut();
        failure = err;
      }
      // The retry policy is only consulted after a failure, so it is loaded then.
      const policy = await import('../transport/retry-policy.js');
      if (attempts > settings.maxRetries || !policy.isRetryable(failure)) {
        if (failure instanceof ConnectTimeoutError) {
          throw new TimeoutError({
            operation,
            timeoutSeconds: failure.timeoutSeconds,
            phase: 'connect',
            attempts,
          });
        }
        throw failure;
      }
      const delay = policy.backoffDelay(attempts - 1, policy.isThrottling(failure), context.random);
      totalRetryDelay += delay;
      await context.sleep(delay, signal).catch(rethrow);
    }
  } finally {
    clearTimeout(timer);
  }
}
