/**
 * @module The usage summary's own file (SQLite only: PostgreSQL adds to its summary in the
 * call's transaction, see postgres/usage.ts). The summary is derived from the usage log, so it
 * is kept apart from it: `summary.db` beside `meterd.db`, filled by following the log
 * (`catchUp`), with the last call it holds recorded in the same transaction as its rows. A
 * metering call then writes nothing to the summary, and the summary's writes never wait for the
 * log's lock nor hold it. summary.ts runs the following, on its own thread for a file.
 */

import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { param, prepare } from '../prepared.js';
import {
  SUMMARY_KEY,
  summaryDeltas,
  summaryUpsert,
  type SummarizedRecord,
} from '../usage-summary.js';
import type { PackedRecord } from './usage-log.js';
import { sqliteCompiler } from './dialect.js';

/** The layout of `summary.db`; a file of another version is rebuilt from the log. */
export const SUMMARY_FILE_VERSION = 1;

/** Log rows (calls) read and added per transaction. */
export const CATCH_UP_BATCHES = 256;

const db = sqliteCompiler;

/** Creates the summary's tables in `target` when they are missing or of another version. */
export function openSummary(target: BetterSqlite3.Database): void {
  const version = target.pragma('user_version', { simple: true }) as number;
  if (version !== SUMMARY_FILE_VERSION) {
    target.exec('drop table if exists usage_summary; drop table if exists summary_progress;');
  }
  const table = db.schema
    .createTable('usage_summary')
    .ifNotExists()
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('product_code', 'text', (c) => c.notNull())
    .addColumn('customer_aws_account_id', 'text', (c) => c.notNull())
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('tag_key', 'text', (c) => c.notNull())
    .addColumn('tag_value', 'text', (c) => c.notNull())
    .addColumn('quantity', 'bigint', (c) => c.notNull())
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_summary_pk', [...SUMMARY_KEY])
    // Rows in key order (hours first), as a PostgreSQL index range reads them.
    .modifyEnd(sql`without rowid`)
    .compile();
  const progress = db.schema
    .createTable('summary_progress')
    .ifNotExists()
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('through_seq', 'integer', (c) => c.notNull())
    .compile();
  target.transaction(() => {
    target.prepare(table.sql).run();
    target.prepare(progress.sql).run();
    target.prepare('insert or ignore into summary_progress (id, through_seq) values (1, 0)').run();
    target.pragma(`user_version = ${SUMMARY_FILE_VERSION}`);
  })();
}

const addSummary = prepare(
  summaryUpsert(db, [
    {
      hour: param<number>('hour'),
      product_code: param('product_code'),
      customer_aws_account_id: param('customer_aws_account_id'),
      dimension: param('dimension'),
      tag_key: param('tag_key'),
      tag_value: param('tag_value'),
      quantity: param<number>('quantity'),
      records: param<number>('records'),
    },
  ]),
);

/** The last call of the log that the summary in `target` holds. */
export function summaryThrough(target: BetterSqlite3.Database): number {
  const row = target.prepare('select through_seq from summary_progress where id = 1').get() as
    { through_seq: number } | undefined;
  return row?.through_seq ?? 0;
}

/** The log's last call, 0 when it has none. */
export function logEnd(source: BetterSqlite3.Database): number {
  const row = source.prepare('select max(seq) as seq from usage_batches').get() as {
    seq: number | null;
  };
  return row.seq ?? 0;
}

/**
 * Follows the usage log of `source` into the summary of `target`: adds what the next calls'
 * records add, at most `limit` calls, and records the last one in the same transaction.
 * Returns the last call the summary then holds, and how many calls were added. A summary that
 * holds calls the log does not (a log restored from an older copy) is emptied and rebuilt.
 */
export function catchUp(
  source: BetterSqlite3.Database,
  target: BetterSqlite3.Database,
  limit = CATCH_UP_BATCHES,
): { through: number; added: number } {
  let through = summaryThrough(target);
  if (through > logEnd(source)) {
    target.transaction(() => {
      target.exec('delete from usage_summary; update summary_progress set through_seq = 0;');
    })();
    through = 0;
  }
  const batches = source
    .prepare(
      'select seq, product_code, records from usage_batches where seq > ? order by seq limit ?',
    )
    .all(through, limit) as Array<{ seq: number; product_code: string; records: string }>;
  if (batches.length === 0) return { through, added: 0 };
  const records: SummarizedRecord[] = [];
  for (const b of batches)
    for (const p of JSON.parse(b.records) as PackedRecord[])
      records.push({
        productCode: b.product_code,
        customerAWSAccountId: p[4],
        dimension: p[7],
        usageTime: new Date(p[8]),
        quantity: p[9],
        allocations: p[10],
      });
  const last = batches.at(-1)!.seq;
  const upsert = target.prepare(addSummary.sql);
  const advance = target.prepare('update summary_progress set through_seq = ? where id = 1');
  target.transaction(() => {
    for (const d of summaryDeltas(records))
      upsert.run(...addSummary.names.map((n) => d[n as keyof typeof d]));
    advance.run(last);
  })();
  return { through: last, added: batches.length };
}
