/**
 * @module Report queries whose conditions depend on the filter given, shared by every backend.
 */

import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { EventFilter, UsageFilter } from './store.js';

export function eventsQuery(db: Kysely<Database>, f: EventFilter) {
  let q = db.selectFrom('audit_events').selectAll();
  if (f.eventName) q = q.where('event_name', '=', f.eventName);
  if (f.recipientAccountId) q = q.where('recipient_account_id', '=', f.recipientAccountId);
  if (f.startTime) q = q.where('event_time', '>=', f.startTime.getTime());
  if (f.endTime) q = q.where('event_time', '<=', f.endTime.getTime());
  if (f.after !== undefined) q = q.where('seq', '>', f.after);
  return q.orderBy('seq').limit(f.limit);
}

export function usageQuery(db: Kysely<Database>, f: UsageFilter) {
  let q = db.selectFrom('usage_records').selectAll();
  if (f.productCode) q = q.where('product_code', '=', f.productCode);
  if (f.customerAWSAccountId) q = q.where('customer_aws_account_id', '=', f.customerAWSAccountId);
  if (f.dimension) q = q.where('dimension', '=', f.dimension);
  if (f.operation) q = q.where('operation', '=', f.operation);
  if (f.startTime) q = q.where('usage_time', '>=', f.startTime.getTime());
  if (f.endTime) q = q.where('usage_time', '<', f.endTime.getTime());
  if (f.after) q = q.where('metering_record_id', '>', f.after);
  return q.orderBy('metering_record_id').limit(f.limit);
}

/** The agreements of a product with any of these customers (by account id or identifier). */
export function customerAgreementsQuery(
  db: Kysely<Database>,
  productCode: string,
  accounts: string[],
  identifiers: string[],
) {
  return db
    .selectFrom('agreements')
    .selectAll()
    .where('product_code', '=', productCode)
    .where((eb) =>
      eb.or([
        ...(accounts.length > 0 ? [eb('customer_aws_account_id', 'in', accounts)] : []),
        ...(identifiers.length > 0 ? [eb('customer_identifier', 'in', identifiers)] : []),
      ]),
    )
    .orderBy('started_at');
}
