/**
 * @module AWS's request quotas, opt-in: a token bucket per account, region and operation; a call
 * beyond its operation's rate is refused with ThrottlingException, as AWS answers it, and its
 * audit event says it was throttled by the quota.
 *
 * Buckets live in the memory of each instance. On a shared PostgreSQL database each instance
 * therefore lets its own rate through: a shared bucket would cost a database write and its
 * round trip on every metering call, doubling the work of the calls the quota is meant to model.
 * Behind a balancer spreading calls over N instances, configure rate/N per operation.
 */

import { TokenBucket, type Quotas } from '../domain/quotas.js';
import { ThrottlingException } from '../protocol/errors.js';
import type { BeforeOperation } from './dispatcher.js';

export interface QuotaOptions {
  quotas: Quotas;
  /** Told of every call throttled (for the metrics). */
  onThrottle?: (operation: string) => void;
  now?: () => number;
}

// Buckets that have refilled are dropped once there are this many, so idle accounts cost nothing.
const SWEEP_AT = 10_000;

/**
 * The hook that enforces `quotas`.
 * @example
 * const hook = quotaHook({ quotas: resolveQuotas(), onThrottle: (op) => count(op) });
 * new Dispatcher({ deps, log, beforeOperation: [hook] });
 */
export function quotaHook(options: QuotaOptions): BeforeOperation {
  const now = options.now ?? Date.now;
  const buckets = new Map<string, TokenBucket>();
  return ({ operation, ctx }) => {
    const quota = options.quotas[operation];
    if (!quota) return undefined;
    const key = `${ctx.principal.accountId}|${ctx.region}|${operation}`;
    const t = now();
    let bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= SWEEP_AT) for (const [k, b] of buckets) if (b.full(t)) buckets.delete(k);
      buckets.set(key, (bucket = new TokenBucket(quota, t)));
    }
    if (bucket.take(t)) return undefined;
    options.onThrottle?.(operation);
    return {
      refuse: new ThrottlingException('Rate exceeded'),
      note: {
        throttled: {
          quota: operation,
          ratePerSecond: quota.ratePerSecond,
          burst: quota.burst,
        },
      },
    };
  };
}
