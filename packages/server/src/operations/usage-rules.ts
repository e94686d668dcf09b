/**
 * @module Rules shared by BatchMeterUsage and MeterUsage: the 6-hour time window, usage
 * allocations and their tags, entitlement of an agreement at a given time (RegisterUsage's too).
 */

import { inActivationPeriod, UNSUBSCRIBE_GRACE_MS } from '../domain/agreements.js';
import type { Agreement } from '../domain/catalog.js';
import {
  CustomerNotEntitledException,
  InvalidTagException,
  InvalidUsageAllocationsException,
  TimestampOutOfBoundsException,
} from '../protocol/errors.js';
import type { UsageAllocation } from '../protocol/shapes.js';

export const HOUR_MS = 3600_000;
/** Usage may be reported up to (not including) 6 hours after it happened. */
export const WINDOW_MS = 6 * HOUR_MS;
/** How far in the future a timestamp may be, for clock skew between caller and service. */
export const FUTURE_SKEW_MS = 5 * 60_000;
export { UNSUBSCRIBE_GRACE_MS };

export const hourOf = (time: Date) => new Date(Math.floor(time.getTime() / HOUR_MS) * HOUR_MS);

/**
 * Until when a record of the hour starting at `hour` can still arrive: its last instant, plus
 * the 6-hour window. Past it, that hour's dedupe keys can never be presented again.
 */
export const dedupeUntil = (hour: Date) => new Date(hour.getTime() + HOUR_MS + WINDOW_MS);

/** Throws TimestampOutOfBoundsException unless `time` lies in the accepted window. */
export function checkTimeWindow(time: Date, now: Date): void {
  const t = time.getTime();
  if (t <= now.getTime() - WINDOW_MS)
    throw new TimestampOutOfBoundsException(
      `Timestamp ${time.toISOString()} is 6 hours or more in the past; usage must be reported within 6 hours.`,
    );
  if (t > now.getTime() + FUTURE_SKEW_MS)
    throw new TimestampOutOfBoundsException(`Timestamp ${time.toISOString()} is in the future.`);
}

// The characters AWS documents for tag keys and values (the model's pattern is looser).
const TAG_CHARS = /^[a-zA-Z0-9+ \-=._:/@]+$/;

/** Checks allocations against the record's quantity and their tags; `where` names the record. */
export function checkAllocations(
  allocations: UsageAllocation[] | undefined,
  quantity: number,
  where: string,
): void {
  if (!allocations) return;
  let sum = 0;
  const tagSets = new Set<string>();
  let untagged = 0;
  for (const allocation of allocations) {
    sum += allocation.AllocatedUsageQuantity;
    const tags = allocation.Tags ?? [];
    if (tags.length === 0) untagged++;
    const keys = new Set<string>();
    for (const tag of tags) {
      for (const [part, text] of [
        ['key', tag.Key],
        ['value', tag.Value],
      ] as const)
        if (!TAG_CHARS.test(text))
          throw new InvalidTagException(
            `Tag ${part} '${text}' in ${where} has characters outside a-zA-Z0-9+ -=._:/@.`,
          );
      if (keys.has(tag.Key))
        throw new InvalidTagException(
          `Tag key '${tag.Key}' is repeated in one allocation of ${where}.`,
        );
      keys.add(tag.Key);
    }
    const set = JSON.stringify(tags.map((t) => [t.Key, t.Value]).sort());
    if (tags.length > 0 && tagSets.has(set))
      throw new InvalidUsageAllocationsException(
        `Two allocations of ${where} have the same tags; each tag set must be unique.`,
      );
    tagSets.add(set);
  }
  if (untagged > 1)
    throw new InvalidUsageAllocationsException(`Only one allocation of ${where} may have no tags.`);
  if (sum !== quantity)
    throw new InvalidUsageAllocationsException(
      `The allocated quantities of ${where} add up to ${sum}, not to its quantity ${quantity}.`,
    );
}

/**
 * Whether usage at `time`, reported at `now`, is honoured under this agreement: `time` lies in
 * its activation period, and the agreement is active, or unsubscribed and reported within the
 * grace after its end.
 */
export function entitles(agreement: Agreement, time: Date, now: Date): boolean {
  if (!inActivationPeriod(agreement, time)) return false;
  if (agreement.status === 'active') return true;
  if (agreement.status === 'unsubscribed' && agreement.endedAt)
    return now.getTime() <= agreement.endedAt.getTime() + UNSUBSCRIBE_GRACE_MS;
  return false;
}

/**
 * For MeterUsage and RegisterUsage, which name no licence: throws CustomerNotEntitledException
 * unless the buyer's agreement honours usage at `time`, reported at `now`.
 */
export function checkEntitled(
  agreement: Agreement | undefined,
  accountId: string,
  productCode: string,
  time: Date,
  now: Date,
): asserts agreement is Agreement {
  if (agreement && entitles(agreement, time, now)) return;
  if (agreement && !inActivationPeriod(agreement, time))
    throw new CustomerNotEntitledException(
      `Account ${accountId} has no agreement with product ${productCode} active at ${time.toISOString()}.`,
    );
  throw new CustomerNotEntitledException(
    `Account ${accountId} is not subscribed to product ${productCode}.`,
  );
}
