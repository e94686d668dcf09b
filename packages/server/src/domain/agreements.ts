/**
 * @module Which of a customer's agreements with a product a call goes by, and the activation
 * period of an agreement.
 */

import type { Agreement } from './catalog.js';

/** After unsubscribing, usage up to the end time is still accepted for this long. */
export const UNSUBSCRIBE_GRACE_MS = 3600_000;

/**
 * Whether `time` lies in the agreement's activation period: from its start (none: no lower
 * bound) to its end (none: open), both included.
 * @example inActivationPeriod(agreement, record.Timestamp)
 */
export const inActivationPeriod = (agreement: Agreement, time: Date): boolean =>
  (agreement.startedAt === null || time.getTime() >= agreement.startedAt.getTime()) &&
  (agreement.endedAt === null || time.getTime() <= agreement.endedAt.getTime());

const byStatus = (agreements: Agreement[]): Agreement | undefined =>
  agreements.find((a) => a.status === 'active') ??
  agreements.find((a) => a.status === 'unsubscribed') ??
  agreements[0];

/**
 * The agreement to use among one customer's agreements with one product for usage at `time`:
 * among those whose activation period holds `time` (all of them when none does, or when no time
 * is given), an active one first, then an unsubscribed one (its usage may still be accepted for a
 * while after its end), then any other (suspended). Ties go to the first in the order given: the
 * store lists agreements oldest start first, those without a start before all others. Undefined
 * when there is none.
 * @example pickAgreement(await store.findAgreements({ productCode, customerAWSAccountId }), now)
 */
export const pickAgreement = (agreements: Agreement[], time?: Date): Agreement | undefined =>
  (time && byStatus(agreements.filter((a) => inActivationPeriod(a, time)))) ?? byStatus(agreements);
