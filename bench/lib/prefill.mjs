// Grows a stopped meterd's SQLite store to a target number of usage records by writing rows
// directly (one SQL statement per 500,000 records, generated inside SQLite), much faster than
// metering them. Records look like BatchMeterUsage records of the bench catalog, 25 to a call
// as meterd packs them (one usage_batches row per call, see
// packages/server/src/storage/sqlite/usage-log.ts), but lie in past hours, long before the live
// 6-hour window, so they never collide with the benchmark's records. Ids and dedupe keys follow
// meterd's layout (time-ordered UUIDv7 ids; keys hour first, as in
// operations/batch-meter-usage.ts).
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CUSTOMERS, DIMENSIONS, PRODUCTS, SELLER, RECORDS_PER_REQUEST } from './workload.mjs';

const HOUR_MS = 3600_000;
/** Prefilled usage hours start here (2024-01-01T00:00Z) and go forward one hour per step. */
const BASE_HOUR = Date.UTC(2024, 0, 1);
const CELLS = PRODUCTS * CUSTOMERS * DIMENSIONS;
const BATCH = 500_000;

/**
 * Opens the store of a stopped meterd for bulk loading: no journal, no syncs and a large cache
 * while loading (a crash would spoil only this preparation step), then one fsync at the end.
 */
export function openStore(dataDir) {
  const db = new Database(join(dataDir, 'meterd.db'));
  db.pragma('journal_mode = DELETE');
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1048576');
  return db;
}

/**
 * Makes the loaded rows durable and hands the file back in WAL mode, as meterd keeps it. The
 * explicit fsync writes the load out now: left to the kernel, gigabytes of dirty pages would
 * be written back during the next measurement and slow meterd's own log flushes.
 */
export function closeStore(db) {
  db.pragma('synchronous = FULL');
  db.pragma('journal_mode = WAL');
  const file = db.name;
  db.close();
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export const countUsage = (db) =>
  db.prepare('select coalesce(sum(record_count), 0) from usage_batches').pluck().get();

/**
 * Adds prefilled rows until the store holds `target` usage records (and one audit event per
 * 25 of them). Prefill row number k (counted across calls, stored in a side table) is cell
 * k mod CELLS of hour BASE_HOUR + floor(k / CELLS) hours, so rows never repeat.
 */
export function prefillTo(db, target) {
  db.exec('create table if not exists bench_prefill (next integer not null)');
  let next = db.prepare('select next from bench_prefill').pluck().get();
  if (next === undefined) {
    db.prepare('insert into bench_prefill (next) values (0)').run();
    next = 0;
  }
  const have = countUsage(db);
  let missing = Math.max(0, target - have);
  const started = Date.now();
  // Record k is cell k mod CELLS of its hour; records 25r..25r+24 make call r (one product:
  // CUSTOMERS * DIMENSIONS is a multiple of 25).
  const insertUsage = db.prepare(`
    with recursive seq(k) as (select @from union all select k + 1 from seq where k + 1 < @to),
    cell(k, p, c, d, h) as (
      select k, (k % ${CELLS}) / ${CUSTOMERS * DIMENSIONS}, (k % ${CELLS} / ${DIMENSIONS}) % ${CUSTOMERS},
             k % ${DIMENSIONS}, ${BASE_HOUR} + (k / ${CELLS}) * ${HOUR_MS}
      from seq),
    rec(r, p, h, recorded, j) as (
      select k / ${RECORDS_PER_REQUEST}, p, h, h + ${HOUR_MS} + k % ${CELLS}, json_array(
        printf('%08x-%04x-7%03x-%x%03x-%012x', (h + ${HOUR_MS} + k % ${CELLS}) >> 16,
               (h + ${HOUR_MS} + k % ${CELLS}) & 65535, abs(random()) % 4096, 8 + abs(random()) % 4,
               abs(random()) % 4096, k),
        printf('saas|%d|bench-saas-%d|5%02d%09d|dim%02d', h, p, p, c, d),
        h + ${7 * HOUR_MS}, '1', printf('5%02d%09d', p, c), printf('cust%02dx%06d', p, c),
        printf('arn:aws:license-manager::5%02d%09d:license:l-%032x', p, c, k % 4294967296),
        printf('dim%02d', d), h + 1800000, 1, null)
      from cell)
    insert into usage_batches (operation, product_code, caller_account_id, caller_access_key_id,
      request_id, recorded_at, first_usage_time, last_usage_time, record_count, records)
    select 'BatchMeterUsage', printf('bench-saas-%d', min(p)), '${SELLER.accountId}',
      '${SELLER.accessKeyId}', printf('prefill-%d', r), max(recorded), min(h) + 1800000,
      max(h) + 1800000, count(*), json_group_array(json(j))
    from rec group by r order by r`);
  const insertEvents = db.prepare(`
    with recursive seq(r) as (select @from union all select r + 1 from seq where r + 1 < @to)
    insert into audit_events (event_id, event_time, event_name, recipient_account_id, request_id,
      error_code, body)
    select printf('%08x-%04x-7000-8000-%012x', (${BASE_HOUR} + r) >> 16, (${BASE_HOUR} + r) & 65535, r),
      ${BASE_HOUR} + r, 'BatchMeterUsage', '${SELLER.accountId}', printf('prefill-%d', r), null,
      '{"eventName":"BatchMeterUsage","prefill":true}'
    from seq`);
  while (missing > 0) {
    const n = Math.ceil(Math.min(BATCH, missing) / RECORDS_PER_REQUEST) * RECORDS_PER_REQUEST;
    db.transaction(() => {
      insertUsage.run({ from: next, to: next + n });
      const firstEvent = Math.ceil(next / RECORDS_PER_REQUEST);
      const endEvent = Math.ceil((next + n) / RECORDS_PER_REQUEST);
      if (endEvent > firstEvent) insertEvents.run({ from: firstEvent, to: endEvent });
      next += n;
      db.prepare('update bench_prefill set next = ?').run(next);
    })();
    missing -= n;
  }
  return { rows: countUsage(db), seconds: (Date.now() - started) / 1000 };
}
