/**
 * @module SQLite's usage: one `usage_batches` row per metering call (the packed usage log of
 * usage-log.ts), deduplicated against the keys that can still be presented, held in memory
 * (live-keys.ts, rebuilt at start from the calls of the last 7 hours), and against client
 * tokens, which never expire, in `usage_tokens`. Its mirror, postgres/usage.ts, keeps one row
 * per record under a unique index, which lets several instances share a database; here one
 * process owns the file, so a call costs one row whatever its size.
 */

import type { EventToStore } from '../../audit/call.js';
import type { UsagePart } from '../parts.js';
import type { QueryName } from '../queries.js';
import * as rows from '../rows.js';
import type {
  UsageFilter,
  UsageOutcome,
  UsagePage,
  UsageRecordRow,
  UsageReportQuery,
  UsageReportRow,
} from '../store.js';
import { reportPage, reportQuery, toReportRow, type ReportDialect } from '../usage-summary.js';
import { sql as raw } from 'kysely';
import { sqliteCompiler, type Statements } from './dialect.js';
import type { GroupCommit } from './group-commit.js';
import type { SqliteSummary } from './summary.js';
import { LiveKeys, MAX_RECORDS_PER_BATCH, type RecordRef } from './live-keys.js';
import {
  batchesQuery,
  batchParams,
  cursorOf,
  matches,
  parseCursor,
  sameBatch,
  unpack,
  type BatchRow,
  type PackedRecord,
  type UsageLogQuery,
} from './usage-log.js';

/**
 * How long before its dedupe keys expire a call may have been recorded: a key's hour ends 7
 * hours before it expires, and a record may be stamped up to 5 minutes ahead of the clock.
 */
const LIVE_RECORDED_SINCE_MS = 7 * 3_600_000 + 10 * 60_000;
/** Keys are forgotten this long after they expire (a call's clock was read before it commits). */
const EXPIRY_GRACE_MS = 10 * 60_000;
/** Batches a report reads at a time. */
const PAGE_BATCHES = 256;

/** A report's periods in SQLite: hours are epoch milliseconds, cut in UTC. */
const REPORT_DIALECT: ReportDialect = {
  period: {
    hour: raw<number>`hour`,
    day: raw<number>`(hour / 86400000) * 86400000`,
    month: raw<number>`cast(strftime('%s', hour / 1000, 'unixepoch', 'start of month') as integer) * 1000`,
  },
  collate: raw``,
};

type Batches = Map<number, { batch: BatchRow; packed: PackedRecord[] }>;

export class SqliteUsage implements UsagePart {
  /** Every dedupe key that can still be presented (client tokens are in `usage_tokens`). */
  private readonly live: LiveKeys;
  private lastExpiry = 0;

  constructor(
    private readonly sql: Statements<QueryName | UsageLogQuery>,
    private readonly commits: GroupCommit,
    private readonly summary: SqliteSummary,
    dedupeHash?: (key: string) => number,
  ) {
    this.live = new LiveKeys(dedupeHash);
    this.loadLiveKeys();
  }

  /** Rebuilds the live dedupe keys from the calls recorded in the last 7 hours. */
  private loadLiveKeys(): void {
    const now = Date.now();
    const since = now - LIVE_RECORDED_SINCE_MS;
    for (const b of this.sql.statement('liveBatches').iterate(since) as Iterable<BatchRow>)
      (JSON.parse(b.records) as PackedRecord[]).forEach((p, index) => {
        if (p[2] !== null && p[2] >= now - EXPIRY_GRACE_MS)
          this.live.add(p[1], p[2], { seq: b.seq, index });
      });
  }

  /** The stored record holding `record`'s dedupe key, if any. */
  private stored(record: UsageRecordRow, batches: Batches): UsageRecordRow | undefined {
    const read = ({ seq, index }: RecordRef) => {
      let b = batches.get(seq);
      if (!b) {
        const batch = this.sql.get<BatchRow>('batchBySeq', { seq })!;
        b = { batch, packed: JSON.parse(batch.records) as PackedRecord[] };
        batches.set(seq, b);
      }
      return { batch: b.batch, packed: b.packed[index]! };
    };
    let ref: RecordRef | undefined;
    if (record.dedupeUntil === null) {
      const token = this.sql.get<{ batch_seq: number; record_index: number }>('tokenByKey', {
        key: record.dedupeKey,
      });
      if (token) ref = { seq: token.batch_seq, index: token.record_index };
    } else
      ref = this.live.find(
        record.dedupeKey,
        record.dedupeUntil.getTime(),
        (candidate) => read(candidate).packed[1] === record.dedupeKey,
      );
    if (!ref) return undefined;
    const { batch, packed } = read(ref);
    return unpack(batch, packed);
  }

  recordUsage<T>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => { value: T; event: EventToStore },
  ): Promise<T> {
    const now = Date.now();
    if (now - this.lastExpiry > 60_000) {
      this.lastExpiry = now;
      this.live.expire(now - EXPIRY_GRACE_MS);
    }
    // Keys remembered by this call, forgotten again if its transaction is rolled back.
    const added: Array<[key: string, until: number, ref: RecordRef]> = [];
    return this.commits.submit(
      () => {
        const read: Batches = new Map();
        const mine = new Map<string, UsageRecordRow>();
        const fresh: UsageRecordRow[][] = [];
        const outcomes = records.map((record): UsageOutcome => {
          const earlier = mine.get(record.dedupeKey) ?? this.stored(record, read);
          if (earlier) return { row: earlier, created: false };
          mine.set(record.dedupeKey, record);
          const group = fresh.find((g) => sameBatch(g[0]!, record));
          if (group) group.push(record);
          else fresh.push([record]);
          return { row: record, created: true };
        });
        for (const group of fresh)
          for (let start = 0; start < group.length; start += MAX_RECORDS_PER_BATCH) {
            const part = group.slice(start, start + MAX_RECORDS_PER_BATCH);
            const seq = Number(this.sql.run('insertBatch', batchParams(part)).lastInsertRowid);
            part.forEach((r, index) => {
              if (r.dedupeUntil === null)
                this.sql.run('insertToken', { key: r.dedupeKey, seq, index });
              else {
                const entry: [string, number, RecordRef] = [
                  r.dedupeKey,
                  r.dedupeUntil.getTime(),
                  { seq, index },
                ];
                this.live.add(...entry);
                added.push(entry);
              }
            });
          }
        const { value, event } = settle(outcomes);
        this.sql.run('insertEvent', rows.eventParams(event));
        return value;
      },
      () => {
        for (const entry of added.splice(0)) this.live.remove(...entry);
      },
    );
  }

  /**
   * Pages follow the order recorded; a cursor is the last record returned (batch and index). A
   * page carries one only when another matching record follows it, so no page is empty but a
   * report's only one.
   */
  async listUsage(filter: UsageFilter): Promise<UsagePage> {
    const after = parseCursor(filter.after);
    const records: UsageRecordRow[] = [];
    let last = '';
    let from = after.seq;
    for (;;) {
      const batches = this.sql.allOf<BatchRow>(
        batchesQuery(sqliteCompiler, filter, from, PAGE_BATCHES),
      );
      for (const batch of batches) {
        const packed = JSON.parse(batch.records) as PackedRecord[];
        for (let index = 0; index < packed.length; index++) {
          if (batch.seq === after.seq && index <= after.index) continue;
          const record = unpack(batch, packed[index]!);
          if (!matches(record, filter)) continue;
          if (records.length === filter.limit) return { records, next: last };
          records.push(record);
          last = cursorOf(batch.seq, index);
        }
      }
      if (batches.length < PAGE_BATCHES) return { records };
      from = batches.at(-1)!.seq + 1;
    }
  }

  /**
   * Read from the summary, once it holds every call stored before the report was asked; sums
   * as bigints (SQLite's integers are 64-bit, exact).
   */
  async reportUsage(query: UsageReportQuery): Promise<UsageReportRow[]> {
    const summary = await this.summary.current();
    return reportPage(query, async (window) => {
      const c = reportQuery(sqliteCompiler, REPORT_DIALECT, window);
      const found = summary
        .prepare(c.sql)
        .safeIntegers(true)
        .all(...(c.parameters as unknown[])) as Record<string, unknown>[];
      return found.map((r) => toReportRow(window, r));
    });
  }

  /** The records of every batch (`record_count` summed), not the rows of the log. */
  async countUsage() {
    return Number(this.sql.get<{ n: number | null }>('countRecords', {})!.n ?? 0);
  }
}
