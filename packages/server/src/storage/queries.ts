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

/** The catalog's upserts: each inserts its columns and, on a conflict over its key, updates them. */
const UPSERTS = {
  upsertAccount: {
    table: 'accounts',
    key: 'account_id',
    columns: ['account_id', 'name', 'created_at'],
  },
  upsertAccessKey: {
    table: 'access_keys',
    key: 'access_key_id',
    columns: [
      'access_key_id',
      'account_id',
      'secret_access_key',
      'session_token',
      'region',
      'created_at',
    ],
  },
  upsertProduct: {
    table: 'products',
    key: 'product_code',
    columns: [
      'product_code',
      'seller_account_id',
      'type',
      'dimensions',
      'fulfillment_url',
      'meter_usage_mode',
      'public_key_versions',
      'created_at',
    ],
  },
  upsertAgreement: {
    table: 'agreements',
    key: 'license_arn',
    columns: [
      'license_arn',
      'product_code',
      'customer_aws_account_id',
      'customer_identifier',
      'status',
      'started_at',
      'ended_at',
      'entitlements',
      'updated_at',
    ],
  },
} as const satisfies Record<
  string,
  { table: keyof Database; key: string; columns: readonly string[] }
>;

/** The catalog's deletes by id: the table and its key column. */
const DELETES = {
  deleteAccessKey: { table: 'access_keys', key: 'access_key_id' },
  deleteAccount: { table: 'accounts', key: 'account_id' },
  deleteProduct: { table: 'products', key: 'product_code' },
  deleteAgreement: { table: 'agreements', key: 'license_arn' },
} as const satisfies Record<string, { table: keyof Database; key: string }>;

export type UpsertName = keyof typeof UPSERTS;
export type DeleteName = keyof typeof DELETES;
export const isUpsert = (name: string): name is UpsertName => name in UPSERTS;
export const isDelete = (name: string): name is DeleteName => name in DELETES;

/**
 * Inserts `rows` (each a record of the upsert's columns, or for the named statement, named
 * parameters); on a conflict over the key, sets every other column but `created_at` to the
 * value the insert brought (`excluded`).
 */
function upsert(
  db: Kysely<Database>,
  name: UpsertName,
  rows?: ReadonlyArray<Record<string, unknown>>,
) {
  const { table, key, columns } = UPSERTS[name];
  const updates = columns.filter((c) => c !== key && c !== 'created_at');
  const pick = (r: Record<string, unknown>) => Object.fromEntries(columns.map((c) => [c, r[c]]));
  return db
    .insertInto(table)
    .values((rows ? rows.map(pick) : values(columns)) as never)
    .onConflict((oc) =>
      oc
        .column(key as never)
        .doUpdateSet(
          (eb) =>
            Object.fromEntries(updates.map((c) => [c, eb.ref(`excluded.${c}` as never)])) as never,
        ),
    );
}

/** One multi-row upsert of `rows` through the named upsert (a bulk catalog apply). */
export const upsertMany = (
  db: Kysely<Database>,
  name: UpsertName,
  rows: ReadonlyArray<Record<string, unknown>>,
) => upsert(db, name, rows);

/** One delete of every row whose key is among `ids`. */
export function deleteMany(db: Kysely<Database>, name: DeleteName, ids: readonly string[]) {
  const { table, key } = DELETES[name];
  return db.deleteFrom(table).where(key as never, 'in', ids as never);
}

/** An upsert's key column and how many columns its rows carry. */
export const upsertShape = (name: UpsertName) => ({
  key: UPSERTS[name].key,
  columns: UPSERTS[name].columns.length,
});

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
    upsertAccount: upsert(db, 'upsertAccount'),
    upsertAccessKey: upsert(db, 'upsertAccessKey'),
    deleteAccessKey: db.deleteFrom('access_keys').where('access_key_id', '=', param('id')),
    deleteAccount: db.deleteFrom('accounts').where('account_id', '=', param('id')),
    deleteProduct: db.deleteFrom('products').where('product_code', '=', param('id')),
    deleteAgreement: db.deleteFrom('agreements').where('license_arn', '=', param('id')),
    upsertProduct: upsert(db, 'upsertProduct'),
    upsertAgreement: upsert(db, 'upsertAgreement'),
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
          'request',
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
