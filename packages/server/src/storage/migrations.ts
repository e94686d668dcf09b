/**
 * @module Versioned schema migrations, written once with Kysely's schema builder and compiled
 * for each SQL dialect. migrate.ts plans those not yet recorded in `schema_migrations`; each
 * backend runs the plan.
 */

import { sql, type Compilable, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Migration {
  version: number;
  name: string;
  up: (db: Kysely<Database>, dialect: DialectName) => Compilable[];
}

// Kysely's schema builder is typed loosely: tables are named, not checked against Database.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyDb = Kysely<any>;

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'catalog, usage records and audit events',
    up: (kdb, dialect) => {
      const db = kdb as AnyDb;
      const seq =
        dialect === 'postgres'
          ? db.schema
              .createTable('audit_events')
              .addColumn('seq', 'bigserial', (c) => c.primaryKey())
          : db.schema
              .createTable('audit_events')
              .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
      return [
        db.schema
          .createTable('accounts')
          .addColumn('account_id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull()),
        db.schema
          .createTable('access_keys')
          .addColumn('access_key_id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) =>
            c.notNull().references('accounts.account_id').onDelete('cascade'),
          )
          .addColumn('secret_access_key', 'text', (c) => c.notNull())
          .addColumn('session_token', 'text')
          .addColumn('region', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull()),
        db.schema.createIndex('access_keys_account').on('access_keys').column('account_id'),
        db.schema
          .createTable('products')
          .addColumn('product_code', 'text', (c) => c.primaryKey())
          .addColumn('seller_account_id', 'text', (c) =>
            c.notNull().references('accounts.account_id'),
          )
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('dimensions', 'text', (c) => c.notNull())
          .addColumn('fulfillment_url', 'text')
          .addColumn('meter_usage_mode', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull()),
        db.schema
          .createTable('agreements')
          .addColumn('license_arn', 'text', (c) => c.primaryKey())
          .addColumn('product_code', 'text', (c) =>
            c.notNull().references('products.product_code').onDelete('cascade'),
          )
          .addColumn('customer_aws_account_id', 'text', (c) => c.notNull())
          .addColumn('customer_identifier', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('ended_at', 'bigint')
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),
        db.schema
          .createIndex('agreements_customer')
          .on('agreements')
          .columns(['product_code', 'customer_aws_account_id']),
        db.schema
          .createIndex('agreements_identifier')
          .on('agreements')
          .columns(['product_code', 'customer_identifier']),
        db.schema
          .createTable('registration_tokens')
          .addColumn('token', 'text', (c) => c.primaryKey())
          .addColumn('product_code', 'text', (c) => c.notNull())
          .addColumn('customer_aws_account_id', 'text', (c) => c.notNull())
          .addColumn('license_arn', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull()),
        db.schema
          .createTable('usage_records')
          .addColumn('metering_record_id', 'text', (c) => c.primaryKey())
          .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('operation', 'text', (c) => c.notNull())
          .addColumn('product_code', 'text', (c) => c.notNull())
          .addColumn('customer_aws_account_id', 'text', (c) => c.notNull())
          .addColumn('customer_identifier', 'text')
          .addColumn('license_arn', 'text')
          .addColumn('dimension', 'text', (c) => c.notNull())
          .addColumn('usage_time', 'bigint', (c) => c.notNull())
          .addColumn('quantity', 'bigint', (c) => c.notNull())
          .addColumn('allocations', 'text')
          .addColumn('caller_account_id', 'text', (c) => c.notNull())
          .addColumn('caller_access_key_id', 'text', (c) => c.notNull())
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'bigint', (c) => c.notNull()),
        db.schema
          .createIndex('usage_records_product_time')
          .on('usage_records')
          .columns(['product_code', 'usage_time']),
        seq
          .addColumn('event_id', 'text', (c) => c.notNull().unique())
          .addColumn('event_time', 'bigint', (c) => c.notNull())
          .addColumn('event_name', 'text', (c) => c.notNull())
          .addColumn('recipient_account_id', 'text', (c) => c.notNull())
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('error_code', 'text')
          .addColumn('body', 'text', (c) => c.notNull()),
        db.schema
          .createIndex('audit_events_name_time')
          .on('audit_events')
          .columns(['event_name', 'event_time']),
        db.schema.createIndex('audit_events_time').on('audit_events').column('event_time'),
      ];
    },
  },
  {
    version: 2,
    name: 'container products: signing keys and task registrations',
    up: (kdb) => {
      const db = kdb as AnyDb;
      return [
        db.schema.alterTable('products').addColumn('public_key_versions', 'text'),
        db.schema
          .createTable('signing_keys')
          .addColumn('version', 'integer', (c) => c.primaryKey())
          .addColumn('private_key_pem', 'text', (c) => c.notNull())
          .addColumn('public_key_pem', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint'),
        db.schema
          .createTable('task_registrations')
          .addColumn('access_key_id', 'text', (c) => c.notNull())
          .addColumn('product_code', 'text', (c) => c.notNull())
          .addColumn('registered_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('task_registrations_pk', ['access_key_id', 'product_code']),
      ];
    },
  },
  {
    version: 3,
    name: 'SQLite: usage records packed one row per call, client tokens indexed apart',
    // PostgreSQL keeps one row per record: its unique index deduplicates across instances.
    up: (kdb, dialect) => {
      if (dialect !== 'sqlite') return [];
      const db = kdb as AnyDb;
      const raw = (query: ReturnType<typeof sql>) => ({ compile: () => query.compile(kdb) });
      // Existing rows become batches of one record: [id, key, dedupe until, fingerprint, account,
      // identifier, licence, dimension, usage time, quantity, allocations] (see usage-log.ts).
      const until = sql`case when dedupe_key like 'token|%' then null else (usage_time / 3600000) * 3600000 + 25200000 end`;
      return [
        db.schema
          .createTable('usage_batches')
          .addColumn('seq', 'integer', (c) => c.primaryKey())
          .addColumn('operation', 'text', (c) => c.notNull())
          .addColumn('product_code', 'text', (c) => c.notNull())
          .addColumn('caller_account_id', 'text', (c) => c.notNull())
          .addColumn('caller_access_key_id', 'text', (c) => c.notNull())
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'bigint', (c) => c.notNull())
          .addColumn('first_usage_time', 'bigint', (c) => c.notNull())
          .addColumn('last_usage_time', 'bigint', (c) => c.notNull())
          .addColumn('record_count', 'integer', (c) => c.notNull())
          .addColumn('records', 'text', (c) => c.notNull()),
        db.schema.createIndex('usage_batches_recorded').on('usage_batches').column('recorded_at'),
        db.schema
          .createTable('usage_tokens')
          .addColumn('dedupe_key', 'text', (c) => c.primaryKey())
          .addColumn('batch_seq', 'integer', (c) => c.notNull())
          .addColumn('record_index', 'integer', (c) => c.notNull())
          .modifyEnd(sql`without rowid`),
        raw(sql`insert into usage_batches (operation, product_code, caller_account_id,
          caller_access_key_id, request_id, recorded_at, first_usage_time, last_usage_time,
          record_count, records)
          select operation, product_code, caller_account_id, caller_access_key_id, request_id,
            recorded_at, usage_time, usage_time, 1,
            json_array(json_array(metering_record_id, dedupe_key, ${until}, fingerprint,
              customer_aws_account_id, customer_identifier, license_arn, dimension, usage_time,
              quantity, json(allocations)))
          from usage_records order by metering_record_id`),
        raw(sql`insert into usage_tokens (dedupe_key, batch_seq, record_index)
          select json_extract(records, '$[0][1]'), seq, 0 from usage_batches
          where json_extract(records, '$[0][1]') like 'token|%'`),
        db.schema.dropTable('usage_records'),
      ];
    },
  },
  {
    version: 4,
    name: 'agreements: a start is optional (no lower bound)',
    // Existing agreements keep the start they were recorded with.
    up: (kdb, dialect) => {
      const db = kdb as AnyDb;
      if (dialect === 'postgres')
        return [
          db.schema.alterTable('agreements').alterColumn('started_at', (c) => c.dropNotNull()),
        ];
      // SQLite cannot drop a NOT NULL: the table is rebuilt, and its indexes with it.
      const raw = (query: ReturnType<typeof sql>) => ({ compile: () => query.compile(kdb) });
      return [
        db.schema
          .createTable('agreements_v4')
          .addColumn('license_arn', 'text', (c) => c.primaryKey())
          .addColumn('product_code', 'text', (c) =>
            c.notNull().references('products.product_code').onDelete('cascade'),
          )
          .addColumn('customer_aws_account_id', 'text', (c) => c.notNull())
          .addColumn('customer_identifier', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('started_at', 'bigint')
          .addColumn('ended_at', 'bigint')
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),
        raw(sql`insert into agreements_v4 (license_arn, product_code, customer_aws_account_id,
          customer_identifier, status, started_at, ended_at, updated_at)
          select license_arn, product_code, customer_aws_account_id, customer_identifier, status,
            started_at, ended_at, updated_at
          from agreements`),
        db.schema.dropTable('agreements'),
        db.schema.alterTable('agreements_v4').renameTo('agreements'),
        db.schema
          .createIndex('agreements_customer')
          .on('agreements')
          .columns(['product_code', 'customer_aws_account_id']),
        db.schema
          .createIndex('agreements_identifier')
          .on('agreements')
          .columns(['product_code', 'customer_identifier']),
      ];
    },
  },
  {
    version: 5,
    name: 'fault rules, one versioned set shared by every instance',
    up: (kdb) => {
      const db = kdb as AnyDb;
      return [
        db.schema
          .createTable('fault_rules')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('version', 'bigint', (c) => c.notNull())
          .addColumn('rules', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),
      ];
    },
  },
  {
    version: 6,
    name: 'the clock: one offset over real time shared by every instance',
    up: (kdb) => {
      const db = kdb as AnyDb;
      return [
        db.schema
          .createTable('clock')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('version', 'bigint', (c) => c.notNull())
          .addColumn('offset_ms', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull()),
      ];
    },
  },
  {
    version: 7,
    name: "agreements: the buyer's entitlements",
    // A JSON list per agreement (null: none), read with the agreement it belongs to.
    up: (kdb) => {
      const db = kdb as AnyDb;
      return [db.schema.alterTable('agreements').addColumn('entitlements', 'text')];
    },
  },
  {
    version: 8,
    name: 'notifications: targets, the outbox of messages to deliver, the SNS signing key',
    up: (kdb, dialect) => {
      const db = kdb as AnyDb;
      const outbox =
        dialect === 'postgres'
          ? db.schema
              .createTable('notification_outbox')
              .addColumn('seq', 'bigserial', (c) => c.primaryKey())
          : db.schema
              .createTable('notification_outbox')
              .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
      return [
        db.schema
          .createTable('notification_targets')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('topic', 'text', (c) => c.notNull())
          .addColumn('product_code', 'text')
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('token', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull()),
        outbox
          .addColumn('message_id', 'text', (c) => c.notNull())
          .addColumn('target_id', 'text', (c) =>
            c.notNull().references('notification_targets.id').onDelete('cascade'),
          )
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('topic', 'text', (c) => c.notNull())
          .addColumn('product_code', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('due_at', 'bigint', (c) => c.notNull())
          .addColumn('delivered_at', 'bigint')
          .addColumn('lease_owner', 'text')
          .addColumn('lease_until', 'bigint')
          .addUniqueConstraint('notification_outbox_message_target', ['message_id', 'target_id']),
        db.schema
          .createIndex('notification_outbox_due')
          .on('notification_outbox')
          .columns(['status', 'due_at']),
        db.schema
          .createIndex('notification_outbox_target')
          .on('notification_outbox')
          .column('target_id'),
        db.schema
          .createTable('sns_signing')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('private_key_pem', 'text', (c) => c.notNull())
          .addColumn('certificate_pem', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull()),
      ];
    },
  },
  {
    version: 9,
    name: 'the hourly usage summary that reports read, filled from the usage stored',
    // The same rows summaryDeltas (usage-summary.ts) adds as records are stored.
    up: (kdb, dialect) => {
      const db = kdb as AnyDb;
      const raw = (query: ReturnType<typeof sql>) => ({ compile: () => query.compile(kdb) });
      const create = db.schema
        .createTable('usage_summary')
        .addColumn('hour', 'bigint', (c) => c.notNull())
        .addColumn('product_code', 'text', (c) => c.notNull())
        .addColumn('customer_aws_account_id', 'text', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('tag_key', 'text', (c) => c.notNull())
        .addColumn('tag_value', 'text', (c) => c.notNull())
        .addColumn('quantity', 'bigint', (c) => c.notNull())
        .addColumn('records', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_summary_pk', [
          'hour',
          'product_code',
          'customer_aws_account_id',
          'dimension',
          'tag_key',
          'tag_value',
        ]);
      // SQLite keeps the rows in key order (hours first), as a PostgreSQL index range reads them.
      const table = dialect === 'sqlite' ? create.modifyEnd(sql`without rowid`) : create;
      // Every stored record as (id, hour, product, customer, dimension, quantity, allocations).
      const records =
        dialect === 'sqlite'
          ? sql`select b.seq || '.' || r.key as id, b.product_code,
              (json_extract(r.value, '$[8]') / 3600000) * 3600000 as hour,
              json_extract(r.value, '$[4]') as customer, json_extract(r.value, '$[7]') as dimension,
              json_extract(r.value, '$[9]') as quantity, json_extract(r.value, '$[10]') as allocations
            from usage_batches b, json_each(b.records) r`
          : sql`select metering_record_id as id, product_code, (usage_time / 3600000) * 3600000 as hour,
              customer_aws_account_id as customer, dimension, quantity, allocations::jsonb as allocations
            from usage_records`;
      // Every tag of every allocation, with the allocation's quantity and the record's count of them.
      const tags =
        dialect === 'sqlite'
          ? sql`select r.id, r.hour, r.product_code, r.customer, r.dimension,
              json_array_length(r.allocations) as allocation_count,
              json_extract(a.value, '$.AllocatedUsageQuantity') as quantity,
              json_extract(t.value, '$.Key') as k, json_extract(t.value, '$.Value') as v
            from recs r, json_each(r.allocations) a, json_each(a.value, '$.Tags') t
            where r.allocations is not null`
          : sql`select r.id, r.hour, r.product_code, r.customer, r.dimension,
              jsonb_array_length(r.allocations) as allocation_count,
              (a.value ->> 'AllocatedUsageQuantity')::bigint as quantity,
              t.value ->> 'Key' as k, t.value ->> 'Value' as v
            from recs r, jsonb_array_elements(r.allocations) a,
              jsonb_array_elements(coalesce(a.value -> 'Tags', '[]'::jsonb)) t
            where r.allocations is not null and jsonb_typeof(r.allocations) = 'array'`;
      const columns = sql`usage_summary (hour, product_code, customer_aws_account_id, dimension,
        tag_key, tag_value, quantity, records)`;
      // SQLite's summary has moved to a file of its own (version 11), filled from the log there.
      if (dialect === 'sqlite') return [table];
      return [
        table,
        raw(sql`insert into ${columns}
          with recs as (${records})
          select hour, product_code, customer, dimension, '', '', sum(quantity), count(*)
          from recs group by hour, product_code, customer, dimension`),
        raw(sql`insert into ${columns}
          with recs as (${records}), tags as (${tags})
          select hour, product_code, customer, dimension, k, v, sum(quantity), count(distinct id)
          from tags group by hour, product_code, customer, dimension, k, v`),
        raw(sql`insert into ${columns}
          with recs as (${records}), tags as (${tags}),
          keyed as (select id, hour, product_code, customer, dimension, k, allocation_count,
            count(*) as carried from tags
            group by id, hour, product_code, customer, dimension, k, allocation_count)
          select hour, product_code, customer, dimension, k, '', 0, count(*)
          from keyed where carried = allocation_count
          group by hour, product_code, customer, dimension, k`),
      ];
    },
  },
  {
    version: 10,
    name: "the catalog's version: bumped by every catalog write, so instances drop their caches",
    up: (kdb) => {
      const db = kdb as AnyDb;
      return [
        db.schema
          .createTable('catalog_version')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('version', 'bigint', (c) => c.notNull()),
      ];
    },
  },
  {
    version: 11,
    name: "SQLite's usage summary leaves the log's file: a thread follows the log into summary.db",
    up: (kdb, dialect) =>
      dialect === 'sqlite' ? [(kdb as AnyDb).schema.dropTable('usage_summary')] : [],
  },
  {
    version: 12,
    name: "a call's request as it arrived, beside the compact form its audit event is rendered from",
    up: (kdb, dialect) => [
      (kdb as AnyDb).schema
        .alterTable('audit_events')
        .addColumn('request', dialect === 'postgres' ? 'bytea' : 'blob'),
    ],
  },
];
