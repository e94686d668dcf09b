/**
 * @module When to retry a failed attempt, and how long to wait first (exponential backoff with full jitter).
 */
import { MarketplaceMeteringServiceException } from '../errors.js';

/** Base of the backoff for server errors and network failures, in milliseconds. */
export const BASE_DELAY_MS = 100;
/** Base of the backoff after throttling, in milliseconds: throttling calls for slowing down more. */
export const THROTTLING_BASE_DELAY_MS = 500;
/** No wait is longer than this, in milliseconds. */
export const MAX_DELAY_MS = 20_000;

const RETRYABLE_CODES = new Set(['ThrottlingException', 'InternalServiceErrorException']);

/**
 * Whether an attempt's failure is worth another try: `ThrottlingException`,
 * `InternalServiceErrorException`, any 5xx answer, or a failure to reach the service at all
 * (a Node network error, no HTTP status).
 *
 * @example
 * isRetryable(new ThrottlingException({ message: '', $httpStatus: 400, requestId: undefined })); // true
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof MarketplaceMeteringServiceException) {
    return RETRYABLE_CODES.has(err.name) || err.$httpStatus >= 500;
  }
  return err instanceof Error;
}

/** Whether the failure asks the caller to slow down. */
export const isThrottling = (err: unknown): boolean =>
  err instanceof MarketplaceMeteringServiceException && err.name === 'ThrottlingException';

/**
 * The wait before retry number `retry` (0 for the first retry): a random duration between 0
 * and `min(MAX_DELAY_MS, base * 2^retry)`, the base being larger after throttling.
 *
 * @example
 * backoffDelay(2, false, () => 0.5); // 200: half of 100 * 2^2
 */
export function backoffDelay(
  retry: number,
  throttled: boolean,
  random: () => number = Math.random,
): number {
  const base = throttled ? THROTTLING_BASE_DELAY_MS : BASE_DELAY_MS;
  const ceiling = Math.min(MAX_DELAY_MS, base * 2 ** retry);
  return Math.floor(random() * ceiling);
}
