/**
 * @module The hourly usage summary both backends keep beside their records (`usage_summary`):
 * what newly stored records add to it (PostgreSQL writes it in the call's transaction,
 * postgres/usage.ts; SQLite follows its usage log into a file of its own, sqlite/summary.ts),
 * and the usage report read from it. Reports never
 * read the raw records, so their cost follows the number of hours × groups, not of records.
 *
 * Per hour, product, customer account and dimension, the summary keeps:
 * - the totals (`tag_key` ''): the records' quantity and count;
 * - per allocation tag key K and value v: the quantity allocated with K = v and the number of
 *   records with such an allocation;
 * - per tag key K, `tag_value` '': the number of records whose every allocation carries K.
 * A report grouped by tag K puts under "no value" (null) the quantity not allocated with K
 * (the totals less every value's share: the allocations without K and the records without
 * allocations) and the records with some quantity so (the totals less those fully tagged).
 * AWS's tag keys and values are never empty, so '' cannot be taken for one.
 */

import { sql, type Kysely, type QueryCreator, type RawBuilder } from 'kysely';
import type { Database } from './schema.js';
import type { ReportGroup, UsageRecordRow, UsageReportQuery, UsageReportRow } from './store.js';

const HOUR_MS = 3_600_000;

/** One summary row's increment. */
export interface SummaryDelta {
  hour: number;
  product_code: string;
  customer_aws_account_id: string;
  dimension: string;
  tag_key: string;
  tag_value: string;
  quantity: number;
  records: number;
}

/** What a record's summary rows are made of. */
export type SummarizedRecord = Pick<
  UsageRecordRow,
  'productCode' | 'customerAWSAccountId' | 'dimension' | 'usageTime' | 'quantity' | 'allocations'
>;

/**
 * What `records` (each stored for the first time) add to the summary, one delta per summary
 * row, in key order (so that concurrent transactions lock rows in the same order).
 * @example summaryDeltas([record]) // [{ hour, ..., tag_key: '', quantity: 5, records: 1 }]
 */
export function summaryDeltas(records: readonly SummarizedRecord[]): SummaryDelta[] {
  const deltas = new Map<string, SummaryDelta>();
  const add = (
    r: SummarizedRecord,
    hour: number,
    key: string,
    value: string,
    q: number,
    n: number,
  ) => {
    const id = `${hour}\u0000${r.productCode}\u0000${r.customerAWSAccountId}\u0000${r.dimension}\u0000${key}\u0000${value}`;
    const d = deltas.get(id);
    if (d) {
      d.quantity += q;
      d.records += n;
    } else
      deltas.set(id, {
        hour,
        product_code: r.productCode,
        customer_aws_account_id: r.customerAWSAccountId,
        dimension: r.dimension,
        tag_key: key,
        tag_value: value,
        quantity: q,
        records: n,
      });
  };
  for (const r of records) {
    const hour = Math.floor(r.usageTime.getTime() / HOUR_MS) * HOUR_MS;
    add(r, hour, '', '', r.quantity, 1);
    if (!r.allocations || r.allocations.length === 0) continue;
    // Per key: each value's quantity, and how many allocations carry the key.
    const byKey = new Map<string, { values: Map<string, number>; carried: number }>();
    for (const a of r.allocations)
      for (const tag of a.Tags ?? []) {
        let k = byKey.get(tag.Key);
        if (!k) byKey.set(tag.Key, (k = { values: new Map(), carried: 0 }));
        k.values.set(tag.Value, (k.values.get(tag.Value) ?? 0) + a.AllocatedUsageQuantity);
        k.carried++;
      }
    for (const [key, k] of byKey) {
      for (const [value, q] of k.values) add(r, hour, key, value, q, 1);
      if (k.carried === r.allocations.length) add(r, hour, key, '', 0, 1);
    }
  }
  return [...deltas.values()].sort(byKey);
}

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Summary rows in key order: hour, product, customer, dimension, tag key, tag value. */
const byKey = (a: SummaryDelta, b: SummaryDelta) =>
  a.hour - b.hour ||
  text(a.product_code, b.product_code) ||
  text(a.customer_aws_account_id, b.customer_aws_account_id) ||
  text(a.dimension, b.dimension) ||
  text(a.tag_key, b.tag_key) ||
  text(a.tag_value, b.tag_value);

/** What differs between the dialects in a report: a period's start, and text's order. */
export interface ReportDialect {
  period: Record<UsageReportQuery['granularity'], RawBuilder<number>>;
  /** Appended to a text column compared or ordered (PostgreSQL: byte order, as SQLite's). */
  collate: RawBuilder<unknown>;
}

const COLUMN: Record<ReportGroup, string> = {
  product: 'product_code',
  customer: 'customer_aws_account_id',
  dimension: 'dimension',
};

/** The report's group columns, in the order asked. */
const groupColumns = (q: UsageReportQuery) => [
  ...q.groupBy.map((g) => COLUMN[g]),
  ...(q.tagKey === undefined ? [] : ['tag_value']),
];

/**
 * One page of a usage report as a query over the summary: rows in period-then-group order,
 * the page after `q.after` (keyset), at most `q.limit`. Columns: period, the groups asked,
 * quantity, records.
 */
export function reportQuery(db: Kysely<Database>, d: ReportDialect, q: UsageReportQuery) {
  const filters: RawBuilder<unknown>[] = [
    sql`hour >= ${q.from.getTime()}`,
    sql`hour < ${q.to.getTime()}`,
  ];
  if (q.productCode !== undefined) filters.push(sql`product_code = ${q.productCode}`);
  if (q.customerAWSAccountId !== undefined)
    filters.push(sql`customer_aws_account_id = ${q.customerAWSAccountId}`);
  if (q.dimension !== undefined) filters.push(sql`dimension = ${q.dimension}`);
  const where = (extra: RawBuilder<unknown>) => sql.join([extra, ...filters], sql` and `);
  const dims = sql.raw('hour, product_code, customer_aws_account_id, dimension');
  const source =
    q.tagKey === undefined
      ? sql`select ${dims}, quantity, records from usage_summary where ${where(sql`tag_key = ''`)}`
      : sql`select ${dims}, tag_value, quantity, records from usage_summary
            where ${where(sql`tag_key = ${q.tagKey} and tag_value <> ''`)}
          union all select ${dims}, '' as tag_value, quantity, records from usage_summary
            where ${where(sql`tag_key = ''`)}
          union all select ${dims}, '' as tag_value, -quantity, 0 from usage_summary
            where ${where(sql`tag_key = ${q.tagKey} and tag_value <> ''`)}
          union all select ${dims}, '' as tag_value, 0, -records from usage_summary
            where ${where(sql`tag_key = ${q.tagKey} and tag_value = ''`)}`;
  const groups = groupColumns(q);
  const keys = [sql.raw('period'), ...groups.map((c) => sql`${sql.ref(c)}${d.collate}`)];
  const grouped = sql`select ${d.period[q.granularity]} as period${sql.raw(
    groups.map((c) => `, ${c}`).join(''),
  )}, sum(quantity) as quantity, sum(records) as records
    from (${source}) as u
    group by 1${sql.raw(groups.map((_, i) => `, ${i + 2}`).join(''))}
    ${q.tagKey === undefined ? sql`` : sql`having not (tag_value = '' and sum(quantity) = 0 and sum(records) = 0)`}`;
  const after = q.after ? afterValues(q, q.after) : undefined;
  return sql<Record<string, unknown>>`select * from (${grouped}) as g
    ${after ? sql`where (${sql.join(keys)}) > (${sql.join(after)})` : sql``}
    order by ${sql.join(keys)}
    limit ${q.limit}`.compile(db);
}

/** The start of the period after the one `t` is in, in UTC. */
export function nextPeriod(t: number, granularity: UsageReportQuery['granularity']): number {
  if (granularity === 'hour') return (Math.floor(t / HOUR_MS) + 1) * HOUR_MS;
  if (granularity === 'day') return (Math.floor(t / 86_400_000) + 1) * 86_400_000;
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/**
 * One page of a report, read window by window of whole periods: a window's query reads only
 * its hours of the summary, so a page costs about what it returns, not what follows it. The
 * first window holds the period of the row the page follows; each empty or short window makes
 * the next one twice as long, so that sparse stretches are crossed in few queries.
 */
export async function reportPage(
  q: UsageReportQuery,
  run: (window: UsageReportQuery) => Promise<UsageReportRow[]>,
): Promise<UsageReportRow[]> {
  const rows: UsageReportRow[] = [];
  const end = q.to.getTime();
  let lo = q.after ? Math.max(q.from.getTime(), q.after.period.getTime()) : q.from.getTime();
  let after = q.after;
  for (let span = 1; rows.length < q.limit && lo < end; span *= 2) {
    let hi = lo;
    for (let i = 0; i < span && hi < end; i++) hi = nextPeriod(hi, q.granularity);
    hi = Math.min(hi, end);
    const { after: _, ...rest } = q;
    const found = await run({
      ...rest,
      from: new Date(lo),
      to: new Date(hi),
      ...(after ? { after } : {}),
      limit: q.limit - rows.length,
    });
    rows.push(...found);
    after = undefined;
    lo = hi;
  }
  return rows;
}

/** The keyset values of a row: its period, then its groups in the order asked. */
function afterValues(q: UsageReportQuery, row: UsageReportRow): unknown[] {
  const value: Record<ReportGroup, string | undefined> = {
    product: row.productCode,
    customer: row.customerAWSAccountId,
    dimension: row.dimension,
  };
  return [
    row.period.getTime(),
    ...q.groupBy.map((g) => value[g] ?? ''),
    ...(q.tagKey === undefined ? [] : [row.tagValue ?? '']),
  ];
}

/** A report row as read (PostgreSQL's bigints and sums arrive as strings, SQLite's as bigints). */
export function toReportRow(q: UsageReportQuery, r: Record<string, unknown>): UsageReportRow {
  const text = (v: unknown) => String(v);
  return {
    period: new Date(Number(r.period)),
    ...(q.groupBy.includes('product') ? { productCode: text(r.product_code) } : {}),
    ...(q.groupBy.includes('customer')
      ? { customerAWSAccountId: text(r.customer_aws_account_id) }
      : {}),
    ...(q.groupBy.includes('dimension') ? { dimension: text(r.dimension) } : {}),
    ...(q.tagKey === undefined ? {} : { tagValue: r.tag_value === '' ? null : text(r.tag_value) }),
    quantity: BigInt(r.quantity as string | bigint | number),
    records: BigInt(r.records as string | bigint | number),
  };
}

export const SUMMARY_KEY = [
  'hour',
  'product_code',
  'customer_aws_account_id',
  'dimension',
  'tag_key',
  'tag_value',
] as const;

/**
 * Adds deltas to the summary rows they name, creating those not yet there: one statement for
 * any number of deltas (each names a different row).
 * @example summaryUpsert(db, summaryDeltas(created)).compile()
 */
export function summaryUpsert<T>(db: QueryCreator<Database>, deltas: readonly T[]) {
  return db
    .insertInto('usage_summary')
    .values(deltas as never)
    .onConflict((oc) =>
      oc.columns([...SUMMARY_KEY]).doUpdateSet((eb) => ({
        quantity: eb('usage_summary.quantity', '+', eb.ref('excluded.quantity')),
        records: eb('usage_summary.records', '+', eb.ref('excluded.records')),
      })),
    );
}

/** The summary's columns and their PostgreSQL types, for `summaryUpsertArrays`. */
const SUMMARY_COLUMNS = {
  hour: 'int8',
  product_code: 'text',
  customer_aws_account_id: 'text',
  dimension: 'text',
  tag_key: 'text',
  tag_value: 'text',
  quantity: 'int8',
  records: 'int8',
} as const;

/**
 * PostgreSQL's `summaryUpsert` of any number of deltas in 8 parameters: each column sent as one
 * array, the rows `unnest`ed from them in the order given (key order, see `summaryDeltas`).
 */
export function summaryUpsertArrays(db: QueryCreator<Database>, deltas: readonly SummaryDelta[]) {
  const names = Object.keys(SUMMARY_COLUMNS) as Array<keyof typeof SUMMARY_COLUMNS>;
  const arrays = names.map(
    (name) => sql`${deltas.map((d) => d[name])}::${sql.raw(SUMMARY_COLUMNS[name])}[]`,
  );
  return db
    .insertInto('usage_summary')
    .columns(names)
    .expression(sql`select * from unnest(${sql.join(arrays)})`)
    .onConflict((oc) =>
      oc.columns([...SUMMARY_KEY]).doUpdateSet((eb) => ({
        quantity: eb('usage_summary.quantity', '+', eb.ref('excluded.quantity')),
        records: eb('usage_summary.records', '+', eb.ref('excluded.records')),
      })),
    );
}
