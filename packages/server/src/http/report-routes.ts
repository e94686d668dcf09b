/**
 * @module The usage report under /admin/v1: `GET /reports/usage`, quantities and record counts
 * per period (hour, day or month, in UTC) and per product, customer, dimension or allocation
 * tag, read from the store's hourly summary. The answer streams, page after page of the
 * summary (keyset order), as JSON with one row a line or as CSV, so that a report of any size
 * is never held whole in memory.
 */

import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type {
  ReportGranularity,
  ReportGroup,
  Store,
  UsageReportQuery,
  UsageReportRow,
} from '../storage/store.js';
import { AdminError } from './errors.js';

/** Rows read from the store at a time. */
export const REPORT_PAGE = 1000;

const HOUR_MS = 3_600_000;
const GRANULARITIES: readonly ReportGranularity[] = ['hour', 'day', 'month'];
const GROUPS: Record<string, ReportGroup> = {
  product: 'product',
  customer: 'customer',
  dimension: 'dimension',
};
const PARAMETERS = new Set([
  'from',
  'to',
  'granularity',
  'groupBy',
  'productCode',
  'customerAWSAccountId',
  'dimension',
  'format',
]);

/** A report as asked: the store's query (its first page), the groups as named, the format. */
export interface ReportRequest {
  query: Omit<UsageReportQuery, 'after' | 'limit'>;
  /** The groups in the order asked, as named in the request (`tag:<key>` for the tag). */
  columns: string[];
  format: 'json' | 'csv';
}

const invalid = (message: string) => new AdminError(400, 'InvalidParameter', message);

/** A whole hour, as ISO-8601 or epoch seconds. */
function hourOf(q: Record<string, unknown>, name: 'from' | 'to'): Date {
  const v = q[name];
  if (typeof v !== 'string' || v === '')
    throw invalid(`${name} is required: a whole hour, ISO-8601 or epoch seconds`);
  const date = /^\d+$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
  if (Number.isNaN(date.getTime()))
    throw invalid(`${name} must be an ISO-8601 time or epoch seconds`);
  if (date.getTime() % HOUR_MS !== 0)
    throw invalid(
      `${name} must be a whole hour (the summary's resolution), like 2026-01-01T00:00:00Z`,
    );
  return date;
}

/**
 * Reads a report's query parameters; anything wrong is an `InvalidParameter` admin error.
 * @example parseReportRequest({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', granularity: 'day', groupBy: 'dimension,tag:team' })
 */
export function parseReportRequest(q: Record<string, unknown>): ReportRequest {
  for (const [name, value] of Object.entries(q)) {
    if (!PARAMETERS.has(name))
      throw invalid(`${name} is not a parameter of this report (${[...PARAMETERS].join(', ')})`);
    if (typeof value !== 'string') throw invalid(`${name} must be given once`);
  }
  const from = hourOf(q, 'from');
  const to = hourOf(q, 'to');
  if (to <= from) throw invalid('to must be after from (from is included, to is not)');
  const granularity = (q.granularity ?? 'hour') as ReportGranularity;
  if (!GRANULARITIES.includes(granularity))
    throw invalid(`granularity must be one of ${GRANULARITIES.join(', ')}`);
  const format = q.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw invalid('format must be json or csv');
  const groupBy: ReportGroup[] = [];
  const columns: string[] = [];
  let tagKey: string | undefined;
  const names = q.groupBy === undefined || q.groupBy === '' ? [] : String(q.groupBy).split(',');
  for (const name of names) {
    if (columns.includes(name)) throw invalid(`groupBy names ${name} twice`);
    const group = GROUPS[name];
    if (group) groupBy.push(group);
    else if (name.startsWith('tag:')) {
      if (tagKey !== undefined) throw invalid('groupBy may name one tag key only');
      tagKey = name.slice(4);
      if (tagKey.length < 1 || tagKey.length > 100)
        throw invalid('a tag key in groupBy must be 1 to 100 characters long');
    } else throw invalid(`groupBy takes product, customer, dimension and tag:<key>, not '${name}'`);
    columns.push(name);
  }
  const filter = (name: 'productCode' | 'customerAWSAccountId' | 'dimension') =>
    typeof q[name] === 'string' && q[name] !== '' ? { [name]: q[name] as string } : {};
  return {
    query: {
      from,
      to,
      granularity,
      groupBy,
      ...(tagKey === undefined ? {} : { tagKey }),
      ...filter('productCode'),
      ...filter('customerAWSAccountId'),
      ...filter('dimension'),
    },
    columns,
    format,
  };
}

/** Every row of a report, page after page; one page in memory at a time. */
export async function* reportRows(
  store: Store,
  query: ReportRequest['query'],
  pageSize = REPORT_PAGE,
): AsyncGenerator<UsageReportRow[]> {
  let after: UsageReportRow | undefined;
  for (;;) {
    const page = await store.reportUsage({
      ...query,
      ...(after ? { after } : {}),
      limit: pageSize,
    });
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page.at(-1);
  }
}

/** The value of a named column in a row (null: no value of the tag). */
function cell(row: UsageReportRow, column: string): string | null {
  if (column === 'product') return row.productCode ?? '';
  if (column === 'customer') return row.customerAWSAccountId ?? '';
  if (column === 'dimension') return row.dimension ?? '';
  return row.tagValue ?? null;
}

/** The JSON and CSV names of a group column. */
const FIELD: Record<string, string> = {
  product: 'productCode',
  customer: 'customerAWSAccountId',
  dimension: 'dimension',
};
const fieldOf = (column: string) => FIELD[column] ?? column;

/** A row as one JSON line; quantities are written digit for digit (they may pass 2^53). */
function jsonRow(row: UsageReportRow, columns: string[]): string {
  let out = `{"period":"${row.period.toISOString()}"`;
  for (const c of columns) out += `,${JSON.stringify(fieldOf(c))}:${JSON.stringify(cell(row, c))}`;
  return `${out},"quantity":${row.quantity},"records":${row.records}}`;
}

/** A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * The report as text chunks, one per page: JSON (`{"from", "to", "granularity", "groupBy",
 * "rows": [...]}`, a row a line) or CSV (a header, then a row a line; no tag value is empty).
 * @example Readable.from(reportChunks(request, reportRows(store, request.query)))
 */
export async function* reportChunks(
  request: ReportRequest,
  pages: AsyncIterable<UsageReportRow[]>,
): AsyncGenerator<string> {
  const { query, columns, format } = request;
  if (format === 'csv')
    yield (
      ['period', ...columns.map(fieldOf), 'quantity', 'records'].map(csvField).join(',') + '\r\n'
    );
  else
    yield `{"from":"${query.from.toISOString()}","to":"${query.to.toISOString()}","granularity":"${query.granularity}","groupBy":${JSON.stringify(columns)},"rows":[`;
  let first = true;
  for await (const page of pages) {
    let chunk = '';
    for (const row of page) {
      if (format === 'csv')
        chunk +=
          [
            row.period.toISOString(),
            ...columns.map((c) => cell(row, c) ?? ''),
            String(row.quantity),
            String(row.records),
          ]
            .map(csvField)
            .join(',') + '\r\n';
      else {
        chunk += `${first ? '' : ','}\n${jsonRow(row, columns)}`;
        first = false;
      }
    }
    yield chunk;
  }
  if (format === 'json') yield '\n]}\n';
}

export async function reportRoutes(app: FastifyInstance, options: { store: Store }) {
  app.get('/reports/usage', async (request, reply) => {
    const parsed = parseReportRequest(request.query as Record<string, unknown>);
    const { from, to } = parsed.query;
    const name = `usage-${from.toISOString().slice(0, 13)}-${to.toISOString().slice(0, 13)}`;
    if (parsed.format === 'csv')
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.csv"`);
    else reply.type('application/json; charset=utf-8');
    // The first page is read before the answer starts, so that a store that cannot answer
    // gets an error answer rather than a cut-off stream.
    const pages = reportRows(options.store, parsed.query);
    const first = await pages.next();
    async function* all() {
      if (!first.done) yield first.value;
      yield* pages;
    }
    return reply.send(Readable.from(reportChunks(parsed, all())));
  });
}
