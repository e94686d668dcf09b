/**
 * @module PostgreSQL's usage: one `usage_records` row per record, deduplicated by the unique
 * index on `dedupe_key` (INSERT ... ON CONFLICT DO NOTHING), so that several instances can
 * share one database and a key is kept for ever. A call inserts its records in key order and
 * then reads the rows that stood. Its mirror, sqlite/usage.ts, packs a call into one row and
 * keeps the live keys in the memory of the one process that owns the file.
 */

import { sql as raw, type Compilable, type Kysely, type QueryCreator } from 'kysely';
import type pg from 'pg';
import type { EventToStore } from '../../audit/call.js';
import type { UsagePart } from '../parts.js';
import * as rows from '../rows.js';
import { date, optStr, str, type Row } from '../rows.js';
import type { Database } from '../schema.js';
import type {
  MeteringOperation,
  UsageFilter,
  UsageOutcome,
  UsagePage,
  UsageRecordRow,
  UsageReportQuery,
  UsageReportRow,
} from '../store.js';
import {
  reportPage,
  reportQuery,
  summaryDeltas,
  summaryUpsertArrays,
  toReportRow,
  type ReportDialect,
} from '../usage-summary.js';
import { postgresCompiler, type Statements } from './dialect.js';
import { transient, type PgGroupCommit } from './group-commit.js';

const toUsage = (r: Row<'usage_records'>): UsageRecordRow => ({
  meteringRecordId: str(r.metering_record_id),
  dedupeKey: str(r.dedupe_key),
  fingerprint: str(r.fingerprint),
  // Not kept in this table: its unique index deduplicates for ever.
  dedupeUntil: null,
  operation: r.operation as MeteringOperation,
  productCode: str(r.product_code),
  customerAWSAccountId: str(r.customer_aws_account_id),
  customerIdentifier: optStr(r.customer_identifier),
  licenseArn: optStr(r.license_arn),
  dimension: str(r.dimension),
  usageTime: date(r.usage_time),
  quantity: Number(r.quantity),
  allocations: r.allocations === null ? null : JSON.parse(str(r.allocations)),
  callerAccountId: str(r.caller_account_id),
  callerAccessKeyId: str(r.caller_access_key_id),
  requestId: str(r.request_id),
  recordedAt: date(r.recorded_at),
});

const usageParams = (u: UsageRecordRow) => ({
  metering_record_id: u.meteringRecordId,
  dedupe_key: u.dedupeKey,
  fingerprint: u.fingerprint,
  operation: u.operation,
  product_code: u.productCode,
  customer_aws_account_id: u.customerAWSAccountId,
  customer_identifier: u.customerIdentifier,
  license_arn: u.licenseArn,
  dimension: u.dimension,
  usage_time: u.usageTime.getTime(),
  quantity: u.quantity,
  allocations: u.allocations === null ? null : JSON.stringify(u.allocations),
  caller_account_id: u.callerAccountId,
  caller_access_key_id: u.callerAccessKeyId,
  request_id: u.requestId,
  recorded_at: u.recordedAt.getTime(),
});

/** The records matching a filter, by metering record id, from the cursor on. */
function usageQuery(db: Kysely<Database>, f: UsageFilter) {
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

const countQuery = postgresCompiler
  .selectFrom('usage_records')
  .select((eb) => eb.fn.countAll().as('n'));

/** Summary rows per upsert: 8 parameters each; with a page of events, within 65,535. */
const SUMMARY_ROWS_PER_STATEMENT = 6000;

/** A report's periods in PostgreSQL: hours are epoch milliseconds, cut in UTC. */
const REPORT_DIALECT: ReportDialect = {
  period: {
    hour: raw<number>`hour`,
    day: raw<number>`(hour / 86400000) * 86400000`,
    month: raw<number>`(extract(epoch from date_trunc('month', to_timestamp(hour / 1000) at time zone 'UTC')) * 1000)::bigint`,
  },
  collate: raw` collate "C"`,
};

/** One call's records and what it answers once it knows which of them stood already. */
interface UsageJob {
  records: UsageRecordRow[];
  settle: (outcomes: UsageOutcome[]) => { value: unknown; event: EventToStore };
}

/** The columns of `usage_records` and the PostgreSQL type of each, as the insert sends them. */
const USAGE_COLUMNS = {
  metering_record_id: 'text',
  dedupe_key: 'text',
  fingerprint: 'text',
  operation: 'text',
  product_code: 'text',
  customer_aws_account_id: 'text',
  customer_identifier: 'text',
  license_arn: 'text',
  dimension: 'text',
  usage_time: 'int8',
  quantity: 'int8',
  allocations: 'text',
  caller_account_id: 'text',
  caller_access_key_id: 'text',
  request_id: 'text',
  recorded_at: 'int8',
} as const;
type UsageColumn = keyof typeof USAGE_COLUMNS;

/**
 * One insert of any number of records, in the order given: each column is sent as one array
 * and the rows are `unnest`ed from them, so that a statement has 16 parameters, not 16 a record
 * (which the client builds and binds, and the server parses, one by one).
 */
function insertRecords(records: readonly UsageRecordRow[]) {
  const names = Object.keys(USAGE_COLUMNS) as UsageColumn[];
  const columns = names.map(() => [] as unknown[]);
  for (const r of records) {
    const p = usageParams(r);
    names.forEach((name, i) => columns[i]!.push(p[name]));
  }
  const arrays = names.map((name, i) => raw`${columns[i]}::${raw.raw(USAGE_COLUMNS[name])}[]`);
  return postgresCompiler
    .insertInto('usage_records')
    .columns(names)
    .expression(raw`select * from unnest(${raw.join(arrays)})`)
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('metering_record_id');
}

/** Keys per lookup of the rows that stood: within PostgreSQL's 65,535 parameters a statement. */
const RECORDS_PER_STATEMENT = 4000;

const byDedupeKey = (a: UsageRecordRow, b: UsageRecordRow) =>
  a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0;

/**
 * Records the calls of a group commit together (its batcher, group-commit.ts), in a few
 * statements whatever their number: one multi-row insert of every record in key order (so that
 * concurrent transactions lock keys in the same order and cannot deadlock; a call earlier in the
 * group comes first among equal keys, as if the calls ran one after the other), one read of the
 * rows that already stood, then each call's answer, and one statement that adds every new
 * record to the summary and appends every call's audit event. Returns the calls' answers.
 */
async function recordJobs(client: pg.PoolClient, jobs: UsageJob[]): Promise<unknown[]> {
  const sorted = jobs.flatMap((j) => j.records).sort(byDedupeKey);
  const created = new Set<string>();
  if (sorted.length > 0)
    for (const r of await rowsOf<{ metering_record_id: string }>(client, insertRecords(sorted)))
      created.add(r.metering_record_id);
  const missing = [
    ...new Set(sorted.filter((r) => !created.has(r.meteringRecordId)).map((r) => r.dedupeKey)),
  ];
  const existing = new Map<string, UsageRecordRow>();
  for (let i = 0; i < missing.length; i += RECORDS_PER_STATEMENT) {
    const select = postgresCompiler
      .selectFrom('usage_records')
      .selectAll()
      .where('dedupe_key', 'in', missing.slice(i, i + RECORDS_PER_STATEMENT));
    for (const r of await rowsOf<Row<'usage_records'>>(client, select)) {
      const row = toUsage(r);
      existing.set(row.dedupeKey, row);
    }
  }
  const values: unknown[] = [];
  const events: ReturnType<typeof rows.eventParams>[] = [];
  for (const job of jobs) {
    const outcomes = job.records.map((record): UsageOutcome =>
      created.has(record.meteringRecordId)
        ? { row: record, created: true }
        : { row: existing.get(record.dedupeKey)!, created: false },
    );
    const { value, event } = job.settle(outcomes);
    values.push(value);
    events.push(rows.eventParams(event));
  }
  // The summary counts each record once: those stored now, rows in key order.
  const deltas = summaryDeltas(sorted.filter((r) => created.has(r.meteringRecordId)));
  for (let e = 0, d = 0; e < events.length || d < deltas.length;) {
    const someEvents = events.slice(e, (e += EVENTS_PER_STATEMENT));
    const someDeltas = deltas.slice(d, (d += SUMMARY_ROWS_PER_STATEMENT));
    const appendEvents = (db: QueryCreator<Database>) =>
      db.insertInto('audit_events').values(someEvents);
    await rowsOf(
      client,
      someDeltas.length === 0
        ? appendEvents(postgresCompiler)
        : someEvents.length === 0
          ? summaryUpsertArrays(postgresCompiler, someDeltas)
          : postgresCompiler
              .with('summary', (db) => summaryUpsertArrays(db, someDeltas))
              .insertInto('audit_events')
              .values(someEvents),
    );
  }
  return values;
}

/** The rows of one statement on a transaction's client; a database gone is a TransientStoreError. */
async function rowsOf<T>(client: pg.PoolClient, query: Compilable): Promise<T[]> {
  const c = query.compile();
  try {
    return (await client.query(c.sql, c.parameters as unknown[])).rows as T[];
  } catch (error) {
    throw transient(error);
  }
}

/** Audit events per insert: 7 parameters each, beside a summary upsert's rows. */
const EVENTS_PER_STATEMENT = 2000;

export class PostgresUsage implements UsagePart {
  constructor(
    private readonly sql: Statements,
    private readonly commits: PgGroupCommit,
  ) {}

  recordUsage<T>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => { value: T; event: EventToStore },
  ): Promise<T> {
    const item: UsageJob = { records, settle };
    return this.commits.submit(async (client) => (await recordJobs(client, [item]))[0] as T, {
      batcher: recordJobs,
      item,
    });
  }

  /**
   * Pages follow metering record ids; a cursor is the last id returned. One record more than a
   * page is read, so a page carries a cursor only when another record follows it.
   */
  async listUsage(filter: UsageFilter): Promise<UsagePage> {
    const query = usageQuery(postgresCompiler, { ...filter, limit: filter.limit + 1 });
    const records = (await this.sql.allOf<Row<'usage_records'>>(query)).map(toUsage);
    if (records.length <= filter.limit) return { records };
    records.length = filter.limit;
    return { records, next: records.at(-1)!.meteringRecordId };
  }

  async reportUsage(query: UsageReportQuery): Promise<UsageReportRow[]> {
    return reportPage(query, async (window) => {
      const found = await this.sql.allOf<Record<string, unknown>>({
        compile: () => reportQuery(postgresCompiler, REPORT_DIALECT, window),
      });
      return found.map((r) => toReportRow(window, r));
    });
  }

  async countUsage() {
    return Number((await this.sql.allOf<{ n: string }>(countQuery))[0]!.n);
  }
}
