/**
 * @module The layout of SQLite's usage log (SQLite only: PostgreSQL keeps one row per record,
 * see postgres/usage.ts): one `usage_batches` row per metering call, its records packed as
 * JSON arrays, appended at the end of the table. A call then costs one row whatever its size,
 * where a row and three index entries per record used to cost more than everything else a
 * BatchMeterUsage call does. This file packs and unpacks records and holds the log's queries;
 * usage.ts records and reads through them.
 */

import type { Kysely } from 'kysely';
import { param, prepare } from '../prepared.js';
import type { Database } from '../schema.js';
import type { MeteringOperation, UsageFilter, UsageRecordRow } from '../store.js';

/** One record in a batch: [id, key, until, fingerprint, account, identifier, licence, ...]. */
export type PackedRecord = [
  meteringRecordId: string,
  dedupeKey: string,
  dedupeUntil: number | null,
  fingerprint: string,
  customerAWSAccountId: string,
  customerIdentifier: string | null,
  licenseArn: string | null,
  dimension: string,
  usageTime: number,
  quantity: number,
  allocations: UsageRecordRow['allocations'],
];

/** A `usage_batches` row as read. */
export type BatchRow = Omit<Database['usage_batches'], 'seq'> & { seq: number };

/** Whether two records share what a batch's columns hold (those of one call always do). */
export const sameBatch = (a: UsageRecordRow, b: UsageRecordRow) =>
  a.operation === b.operation &&
  a.productCode === b.productCode &&
  a.callerAccountId === b.callerAccountId &&
  a.callerAccessKeyId === b.callerAccessKeyId &&
  a.requestId === b.requestId &&
  a.recordedAt.getTime() === b.recordedAt.getTime();

export const pack = (r: UsageRecordRow): PackedRecord => [
  r.meteringRecordId,
  r.dedupeKey,
  r.dedupeUntil === null ? null : r.dedupeUntil.getTime(),
  r.fingerprint,
  r.customerAWSAccountId,
  r.customerIdentifier,
  r.licenseArn,
  r.dimension,
  r.usageTime.getTime(),
  r.quantity,
  r.allocations,
];

/** The parameters of `insertBatch` for records sharing `batchOf`. */
export function batchParams(records: UsageRecordRow[]) {
  const first = records[0]!;
  let firstTime = Infinity;
  let lastTime = -Infinity;
  for (const r of records) {
    const t = r.usageTime.getTime();
    if (t < firstTime) firstTime = t;
    if (t > lastTime) lastTime = t;
  }
  return {
    operation: first.operation,
    product_code: first.productCode,
    caller_account_id: first.callerAccountId,
    caller_access_key_id: first.callerAccessKeyId,
    request_id: first.requestId,
    recorded_at: first.recordedAt.getTime(),
    first_usage_time: firstTime,
    last_usage_time: lastTime,
    record_count: records.length,
    records: JSON.stringify(records.map(pack)),
  };
}

export function unpack(batch: Omit<BatchRow, 'records'>, p: PackedRecord): UsageRecordRow {
  return {
    meteringRecordId: p[0],
    dedupeKey: p[1],
    dedupeUntil: p[2] === null ? null : new Date(p[2]),
    fingerprint: p[3],
    operation: batch.operation as MeteringOperation,
    productCode: batch.product_code,
    customerAWSAccountId: p[4],
    customerIdentifier: p[5],
    licenseArn: p[6],
    dimension: p[7],
    usageTime: new Date(p[8]),
    quantity: p[9],
    allocations: p[10],
    callerAccountId: batch.caller_account_id,
    callerAccessKeyId: batch.caller_access_key_id,
    requestId: batch.request_id,
    recordedAt: new Date(Number(batch.recorded_at)),
  };
}

export type UsageLogQuery = keyof ReturnType<typeof usageLogQueries>;

export function usageLogQueries(db: Kysely<Database>) {
  return {
    insertBatch: prepare(
      db.insertInto('usage_batches').values({
        operation: param('operation'),
        product_code: param('product_code'),
        caller_account_id: param('caller_account_id'),
        caller_access_key_id: param('caller_access_key_id'),
        request_id: param('request_id'),
        recorded_at: param<number>('recorded_at'),
        first_usage_time: param<number>('first_usage_time'),
        last_usage_time: param<number>('last_usage_time'),
        record_count: param<number>('record_count'),
        records: param('records'),
      }),
    ),
    batchBySeq: prepare(
      db.selectFrom('usage_batches').selectAll().where('seq', '=', param<number>('seq')),
    ),
    insertToken: prepare(
      db.insertInto('usage_tokens').values({
        dedupe_key: param('key'),
        batch_seq: param<number>('seq'),
        record_index: param<number>('index'),
      }),
    ),
    tokenByKey: prepare(
      db.selectFrom('usage_tokens').selectAll().where('dedupe_key', '=', param('key')),
    ),
    // Every call that may hold a key still live: recorded since `since`.
    liveBatches: prepare(
      db
        .selectFrom('usage_batches')
        .select(['seq', 'records'])
        .where('recorded_at', '>=', param<number>('since'))
        .orderBy('seq'),
    ),
    // The records of every call: the log's own count (the shared queries have none).
    countRecords: prepare(
      db.selectFrom('usage_batches').select((eb) => eb.fn.sum<number>('record_count').as('n')),
    ),
  };
}

/** A page cursor: the last record returned, as batch and index. */
export const cursorOf = (seq: number, index: number) => `${seq}.${index}`;

export function parseCursor(cursor: string | undefined): { seq: number; index: number } {
  const m = cursor === undefined ? null : /^(\d{1,15})\.(\d{1,2})$/.exec(cursor);
  return m ? { seq: Number(m[1]), index: Number(m[2]) } : { seq: 0, index: -1 };
}

/** The batches that may hold records matching `f`, from `seq` on, `limit` at a time. */
export function batchesQuery(db: Kysely<Database>, f: UsageFilter, seq: number, limit: number) {
  let q = db.selectFrom('usage_batches').selectAll().where('seq', '>=', seq);
  if (f.productCode) q = q.where('product_code', '=', f.productCode);
  if (f.operation) q = q.where('operation', '=', f.operation);
  if (f.startTime) q = q.where('last_usage_time', '>=', f.startTime.getTime());
  if (f.endTime) q = q.where('first_usage_time', '<', f.endTime.getTime());
  return q.orderBy('seq').limit(limit);
}

/** Whether an unpacked record passes the filter's per-record conditions. */
export function matches(r: UsageRecordRow, f: UsageFilter): boolean {
  if (f.customerAWSAccountId && r.customerAWSAccountId !== f.customerAWSAccountId) return false;
  if (f.dimension && r.dimension !== f.dimension) return false;
  const t = r.usageTime.getTime();
  if (f.startTime && t < f.startTime.getTime()) return false;
  if (f.endTime && t >= f.endTime.getTime()) return false;
  return true;
}
