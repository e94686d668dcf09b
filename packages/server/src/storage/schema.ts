/**
 * @module The database schema as Kysely sees it, shared by every storage backend.
 * Times are integer epoch milliseconds; JSON documents are stored as text.
 */

import type { Generated } from 'kysely';

export interface Database {
  schema_migrations: { version: number; name: string; applied_at: number };
  accounts: { account_id: string; name: string; created_at: number };
  access_keys: {
    access_key_id: string;
    account_id: string;
    secret_access_key: string;
    session_token: string | null;
    region: string | null;
    created_at: number;
  };
  products: {
    product_code: string;
    seller_account_id: string;
    type: string;
    dimensions: string;
    fulfillment_url: string | null;
    meter_usage_mode: string;
    public_key_versions: string | null;
    created_at: number;
  };
  agreements: {
    license_arn: string;
    product_code: string;
    customer_aws_account_id: string;
    customer_identifier: string;
    status: string;
    started_at: number | null;
    ended_at: number | null;
    /** The entitlements as a JSON list (see rows.ts); null when there are none. */
    entitlements: string | null;
    updated_at: number;
  };
  registration_tokens: {
    token: string;
    product_code: string;
    customer_aws_account_id: string;
    license_arn: string;
    created_at: number;
    expires_at: number;
  };
  /**
   * PostgreSQL's usage: one row per record, `dedupe_key` unique (see postgres/usage.ts).
   * SQLite had it until migration 3 replaced it with `usage_batches`.
   */
  usage_records: {
    metering_record_id: string;
    dedupe_key: string;
    fingerprint: string;
    operation: string;
    product_code: string;
    customer_aws_account_id: string;
    customer_identifier: string | null;
    license_arn: string | null;
    dimension: string;
    usage_time: number;
    quantity: number;
    allocations: string | null;
    caller_account_id: string;
    caller_access_key_id: string;
    request_id: string;
    recorded_at: number;
  };
  /**
   * SQLite only: one row per metering call, its records packed in `records` (see
   * sqlite/usage-log.ts), in place of one `usage_records` row per record.
   */
  usage_batches: {
    seq: Generated<number>;
    operation: string;
    product_code: string;
    caller_account_id: string;
    caller_access_key_id: string;
    request_id: string;
    recorded_at: number;
    first_usage_time: number;
    last_usage_time: number;
    record_count: number;
    records: string;
  };
  /** SQLite only: the dedupe keys that never expire (client tokens) and their records. */
  usage_tokens: { dedupe_key: string; batch_seq: number; record_index: number };
  /**
   * The hourly usage summary both backends keep, written with the records (see
   * usage-summary.ts): per hour, product, customer and dimension, the record totals (`tag_key`
   * '') and, per allocation tag, each value's allocated quantity (`tag_value` '' counts the
   * records whose every allocation carries the key).
   */
  usage_summary: {
    hour: number;
    product_code: string;
    customer_aws_account_id: string;
    dimension: string;
    tag_key: string;
    tag_value: string;
    quantity: number;
    records: number;
  };
  audit_events: {
    seq: Generated<number>;
    event_id: string;
    event_time: number;
    event_name: string;
    recipient_account_id: string;
    request_id: string;
    error_code: string | null;
    /** A built event (packed), or a call's compact form (audit/call.ts). */
    body: string;
    /** A call's request as it arrived, beside its compact form; null beside a built event. */
    request: Uint8Array | null;
  };
  signing_keys: {
    version: number;
    private_key_pem: string;
    public_key_pem: string;
    created_at: number;
    expires_at: number | null;
  };
  /** The fault rules: one row (id 1), the rules as a JSON array, a version counter. */
  fault_rules: { id: number; version: number; rules: string; updated_at: number };
  catalog_version: { id: number; version: number };
  /** The clock's offset over real time: one row (id 1), a version counter. */
  clock: { id: number; version: number; offset_ms: number; updated_at: number };
  task_registrations: {
    access_key_id: string;
    product_code: string;
    registered_at: number;
  };
}
