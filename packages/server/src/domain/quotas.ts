/**
 * @module AWS's request quotas for the Marketplace APIs (per account, per region, per
 * operation), their configuration, and the token bucket that enforces one. Pure: the hook that
 * throttles calls is operations/quotas.ts.
 */

/** One operation's quota: calls per second, and the calls a full bucket lets through at once. */
export interface Quota {
  ratePerSecond: number;
  burst: number;
}

/**
 * The rates AWS documents ("Service quotas for AWS Marketplace Metering API" and "Service quotas
 * for AWS Marketplace Entitlement API", AWS Marketplace API Reference), per AWS account in the
 * current region. AWS documents no burst: a bucket holds one second of calls. ResolveCustomer
 * has no documented quota and is not limited unless configured.
 */
export const AWS_QUOTAS: Readonly<Record<string, Quota>> = {
  BatchMeterUsage: { ratePerSecond: 10, burst: 10 },
  MeterUsage: { ratePerSecond: 10, burst: 10 },
  RegisterUsage: { ratePerSecond: 5, burst: 5 },
  GetEntitlements: { ratePerSecond: 20, burst: 20 },
};

/** Quotas by operation name. */
export type Quotas = Record<string, Quota>;

export class QuotaError extends Error {}

const OPERATION = /^[A-Z][A-Za-z]{1,63}$/;

function quotaOf(value: unknown, at: string): Quota {
  if (typeof value === 'number') value = { ratePerSecond: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new QuotaError(`${at}: must be calls per second, or {ratePerSecond, burst}`);
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'ratePerSecond' && k !== 'burst')
      throw new QuotaError(`${at}: unknown member ${JSON.stringify(k)}`);
  const rate = o.ratePerSecond;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 1e6)
    throw new QuotaError(`${at}.ratePerSecond: must be a number above 0 and at most 1000000`);
  const burst = o.burst ?? Math.max(1, rate);
  if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1 || burst > 1e6)
    throw new QuotaError(`${at}.burst: must be a whole number from 1 to 1000000`);
  return { ratePerSecond: rate, burst };
}

/**
 * AWS's quotas with `overrides` laid over them: an operation maps to calls per second (the
 * burst then one second of calls) or to `{ratePerSecond, burst}`; `0` lifts its quota.
 * @example
 * resolveQuotas({ BatchMeterUsage: 20, MeterUsage: { ratePerSecond: 5, burst: 1 } });
 */
export function resolveQuotas(overrides: unknown = {}, at = 'quotas'): Quotas {
  if (overrides === true || overrides === null) overrides = {};
  if (typeof overrides !== 'object' || Array.isArray(overrides))
    throw new QuotaError(`${at}: must map operation names to quotas`);
  const quotas: Quotas = { ...AWS_QUOTAS };
  for (const [operation, value] of Object.entries(overrides as Record<string, unknown>)) {
    if (!OPERATION.test(operation)) throw new QuotaError(`${at}: ${operation} is not an operation`);
    if (value === 0) delete quotas[operation];
    else quotas[operation] = quotaOf(value, `${at}.${operation}`);
  }
  return quotas;
}

/**
 * Parses `--aws-quotas`' optional value: `Operation=rate[:burst]`, comma-separated.
 * @example
 * parseQuotaFlag('BatchMeterUsage=20,MeterUsage=5:1');
 */
export function parseQuotaFlag(text: string): Record<string, Quota | 0> {
  const out: Record<string, Quota | 0> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(part);
    if (!m) throw new QuotaError(`${part}: expected Operation=rate or Operation=rate:burst`);
    const rate = Number(m[2]);
    out[m[1]!] =
      rate === 0
        ? 0
        : quotaOf({ ratePerSecond: rate, ...(m[3] ? { burst: Number(m[3]) } : {}) }, m[1]!);
  }
  return out;
}

/**
 * A token bucket: it holds up to `burst` tokens, refills at `ratePerSecond`, and a call takes
 * one token or is refused.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly quota: Quota,
    now: number,
  ) {
    this.tokens = quota.burst;
    this.at = now;
  }

  /** Takes a token at `now` (milliseconds); false when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.at) / 1000;
    this.tokens = Math.min(this.quota.burst, this.tokens + elapsed * this.quota.ratePerSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether the bucket is full at `now` (then it can be forgotten). */
  full(now: number): boolean {
    return this.tokens + ((now - this.at) / 1000) * this.quota.ratePerSecond >= this.quota.burst;
  }
}
