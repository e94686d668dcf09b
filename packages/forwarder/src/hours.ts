/**
 * @module Hours and keys: usage is summed per product (or licence), customer, dimension and hour,
 * and each sum per tag set. An hour is its number since the epoch; its record's `Timestamp` is
 * its start, the same on every send.
 */

import type { Tag, UsageEvent } from './event.js';

/** Milliseconds in an hour. */
export const HOUR_MS = 3_600_000;
/** AWS refuses usage 6 hours old or more. */
export const SEND_WINDOW_MS = 6 * HOUR_MS;
/** How close to the 6-hour limit a record is still sent; later it is dead-lettered as expired. */
export const EXPIRY_MARGIN_MS = 60_000;

/**
 * The hour an instant falls in.
 * @example hourOf(Date.UTC(2026, 0, 1, 0, 59)); // 491_640 (2026-01-01T00:00Z / 1 h)
 */
export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);

/**
 * Whether an hour can no longer be sent at `now` (its start is 6 hours ago, less the margin).
 * @example isExpired(hourOf(Date.now()) - 7, Date.now()); // true
 */
export const isExpired = (hour: number, now: number): boolean =>
  hour * HOUR_MS + SEND_WINDOW_MS - EXPIRY_MARGIN_MS <= now;

/** The customer as named in the event: by account id (`account`) or customer identifier. */
export type CustomerKind = 'account' | 'identifier';

/**
 * What a record is about, apart from its hour: its scope (the product, else the licence, which
 * decides which call it goes in) and its key within the scope.
 */
export interface RecordKey {
  scope: string;
  productCode: string | null;
  licenseArn: string | null;
  customerKind: CustomerKind;
  customer: string;
  dimension: string;
  /** `licence \x1f kind \x1f customer \x1f dimension`: unique within a scope and hour. */
  rkey: string;
}

/**
 * The record key of an event.
 * @example keyOf({ productCode: 'p', customerIdentifier: 'c', dimension: 'd' } as UsageEvent).scope; // 'p'
 */
export function keyOf(e: UsageEvent): RecordKey {
  const customerKind: CustomerKind =
    e.customerAWSAccountId !== undefined ? 'account' : 'identifier';
  const customer = (e.customerAWSAccountId ?? e.customerIdentifier)!;
  const licenseArn = e.licenseArn ?? null;
  return {
    scope: e.productCode ?? `licence:${licenseArn}`,
    productCode: e.productCode ?? null,
    licenseArn,
    customerKind,
    customer,
    dimension: e.dimension,
    rkey: `${licenseArn ?? ''}\x1f${customerKind}\x1f${customer}\x1f${e.dimension}`,
  };
}

/**
 * A tag set's key: `''` for none, else its sorted tags as JSON.
 * @example tagKey([{ Key: 'team', Value: 'a' }]); // '[{"Key":"team","Value":"a"}]'
 */
export const tagKey = (tags: Tag[]): string => (tags.length === 0 ? '' : JSON.stringify(tags));
