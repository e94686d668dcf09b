/**
 * @module Which of a customer's agreements with a product a call goes by.
 */

import type { Agreement } from './catalog.js';

/**
 * The agreement to use among one customer's agreements with one product: an active one first,
 * then an unsubscribed one (its usage may still be accepted for a while after its end), then
 * any other (suspended). Ties go to the first in the order given: the store lists agreements
 * oldest start first. Undefined when there is none.
 */
export const pickAgreement = (agreements: Agreement[]): Agreement | undefined =>
  agreements.find((a) => a.status === 'active') ??
  agreements.find((a) => a.status === 'unsubscribed') ??
  agreements[0];
