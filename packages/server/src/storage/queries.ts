/**
 * @module The queries both backends run, built once with Kysely: the named ones from named
 * parameters (each backend compiles them for its dialect and runs them as prepared
 * statements), and the event report, whose conditions depend on the filter given. Usage has
 * a layout of its own in each backend (sqlite/usage.ts, postgres/usage.ts).
 */

import type { Kysely } from 'kysely';
import { param, prepare, type PreparedSql } from './prepared.js';
import type { Database } from './schema.js';
import type { EventFilter } from './store.js';

export type QueryName = keyof ReturnType<typeof buildQueries>;
export type Queries = Record<QueryName, PreparedSql>;

const values = <T extends string>(columns: readonly T[]) =>
  Object.fromEntries(columns.map((c) => [c, param(c)])) as Record<T, string>;

/**
 * Inserts `columns` (each bound from the parameter of its name); on a conflict over `key`, sets
 * every other column but `created_at` to the value the insert brought (`excluded`).
 */
function upsert<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  key: string,
  columns: readonly string[],
) {
  const updates = columns.filter((c) => c !== key && c !== 'created_at');
  return db
    .insertInto(table)
    .values(values(columns) as never)
    .onConflict((oc) =>
      oc
        .column(key as never)
        .doUpdateSet(
          (eb) =>
            Object.fromEntries(updates.map((c) => [c, eb.ref(`excluded.${c}` as never)])) as never,
        ),
    );
}

/** Builds the named queries over a (possibly compile-only) Kysely instance. */
export function buildQueries(db: Kysely<Database>) {
  return {
    getAccessKey: db.selectFrom('access_keys').selectAll().where('access_key_id', '=', param('id')),
    getAccount: db.selectFrom('accounts').selectAll().where('account_id', '=', param('id')),
    getProduct: db.selectFrom('products').selectAll().where('product_code', '=', param('id')),
    getAgreement: db.selectFrom('agreements').selectAll().where('license_arn', '=', param('id')),
    agreementsByProduct: db
      .selectFrom('agreements')
      .selectAll()
      .where('product_code', '=', param('product'))
      .orderBy('started_at', (o) => o.asc().nullsFirst()),
    agreementsByCustomer: db
      .selectFrom('agreements')
      .selectAll()
      .where('product_code', '=', param('product'))
      .where('customer_aws_account_id', '=', param('customer'))
      .orderBy('started_at', (o) => o.asc().nullsFirst()),
    agreementsByIdentifier: db
      .selectFrom('agreements')
      .selectAll()
      .where('product_code', '=', param('product'))
      .where('customer_identifier', '=', param('identifier'))
      .orderBy('started_at', (o) => o.asc().nullsFirst()),
    agreementsByAccount: db
      .selectFrom('agreements')
      .selectAll()
      .where('customer_aws_account_id', '=', param('customer'))
      .orderBy('started_at', (o) => o.asc().nullsFirst()),
    allAgreements: db
      .selectFrom('agreements')
      .selectAll()
      .orderBy('started_at', (o) => o.asc().nullsFirst()),
    listAccounts: db.selectFrom('accounts').selectAll().orderBy('account_id'),
    listAccessKeys: db.selectFrom('access_keys').selectAll().orderBy('access_key_id'),
    listAccessKeysOf: db
      .selectFrom('access_keys')
      .selectAll()
      .where('account_id', '=', param('account'))
      .orderBy('access_key_id'),
    listProducts: db.selectFrom('products').selectAll().orderBy('product_code'),
    upsertAccount: upsert(db, 'accounts', 'account_id', ['account_id', 'name', 'created_at']),
    upsertAccessKey: upsert(db, 'access_keys', 'access_key_id', [
      'access_key_id',
      'account_id',
      'secret_access_key',
      'session_token',
      'region',
      'created_at',
    ]),
    deleteAccessKey: db.deleteFrom('access_keys').where('access_key_id', '=', param('id')),
    deleteAccount: db.deleteFrom('accounts').where('account_id', '=', param('id')),
    deleteProduct: db.deleteFrom('products').where('product_code', '=', param('id')),
    deleteAgreement: db.deleteFrom('agreements').where('license_arn', '=', param('id')),
    upsertProduct: upsert(db, 'products', 'product_code', [
      'product_code',
      'seller_account_id',
      'type',
      'dimensions',
      'fulfillment_url',
      'meter_usage_mode',
      'public_key_versions',
      'created_at',
    ]),
    upsertAgreement: upsert(db, 'agreements', 'license_arn', [
      'license_arn',
      'product_code',
      'customer_aws_account_id',
      'customer_identifier',
      'status',
      'started_at',
      'ended_at',
      'entitlements',
      'updated_at',
    ]),
    putToken: db
      .insertInto('registration_tokens')
      .values(
        values([
          'token',
          'product_code',
          'customer_aws_account_id',
          'license_arn',
          'created_at',
          'expires_at',
        ]) as never,
      ),
    getToken: db.selectFrom('registration_tokens').selectAll().where('token', '=', param('id')),
    listSigningKeys: db.selectFrom('signing_keys').selectAll().orderBy('version'),
    insertSigningKey: db
      .insertInto('signing_keys')
      .values(
        values([
          'version',
          'private_key_pem',
          'public_key_pem',
          'created_at',
          'expires_at',
        ]) as never,
      ),
    expireSigningKey: db
      .updateTable('signing_keys')
      .set({ expires_at: param<number>('expires_at') })
      .where('version', '=', param<number>('version')),
    getTaskRegistration: db
      .selectFrom('task_registrations')
      .selectAll()
      .where('access_key_id', '=', param('key'))
      .where('product_code', '=', param('product')),
    insertTaskRegistration: db
      .insertInto('task_registrations')
      .values(values(['access_key_id', 'product_code', 'registered_at']) as never)
      .onConflict((oc) => oc.columns(['access_key_id', 'product_code']).doNothing()),
    insertEvent: db
      .insertInto('audit_events')
      .values(
        values([
          'event_id',
          'event_time',
          'event_name',
          'recipient_account_id',
          'request_id',
          'error_code',
          'body',
        ]) as never,
      ),
  };
}

/** Compiles every query of `buildQueries` for the dialect of `db`. */
export function compileQueries(db: Kysely<Database>): Queries {
  const built = buildQueries(db);
  return Object.fromEntries(
    Object.entries(built).map(([name, query]) => [name, prepare(query)]),
  ) as Queries;
}

/** The audit events matching a filter, in the order appended. */
export function eventsQuery(db: Kysely<Database>, f: EventFilter) {
  let q = db.selectFrom('audit_events').selectAll();
  if (f.eventName) q = q.where('event_name', '=', f.eventName);
  if (f.recipientAccountId) q = q.where('recipient_account_id', '=', f.recipientAccountId);
  if (f.requestId) q = q.where('request_id', '=', f.requestId);
  if (f.startTime) q = q.where('event_time', '>=', f.startTime.getTime());
  if (f.endTime) q = q.where('event_time', '<=', f.endTime.getTime());
  if (f.after !== undefined) q = q.where('seq', '>', f.after);
  return q.orderBy('seq').limit(f.limit);
}
