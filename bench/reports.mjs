// `npm run bench:reports`: a month-by-day usage report over --records stored records (default
// 10^7) on SQLite, through the admin API (GET /admin/v1/reports/usage, read from the hourly
// summary), beside a bare SQL aggregate over the raw records of the same data directory,
// measured in the same run; medians of --repeats runs. The records are MeterUsage records in
// continuous mode (client tokens), spread over one month, --customers accounts and 4
// dimensions, bulk-inserted into the usage log in the layout the store writes (one row of 25
// records per call); the summary is then built by the store's own summary thread following
// that log from its first call, as every upgraded store does. Writes
// bench/results/reports-<time>.json.
//   node bench/reports.mjs [--records 10000000] [--customers 500] [--repeats 3]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { startMeterd } from '@meterd/testkit';
import { SqliteStore } from '../packages/server/dist/storage/sqlite/store.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    customers: { type: 'string', default: '500' },
    repeats: { type: 'string', default: '3' },
  },
});
const RECORDS = Number(args.records);
const CUSTOMERS = Number(args.customers);
const REPEATS = Number(args.repeats);
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);
const HOURS = 31 * 24;
const DIMENSIONS = ['requests', 'storage_gb', 'seats', 'vcpu'];
const PER_CALL = 25;
const TOKEN = 'bench-token';

const work = mkdtempSync(join(os.tmpdir(), 'meterd-reports-bench-'));
const dataDir = join(work, 'data');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (f) => {
  const t = performance.now();
  const out = await f();
  return { ms: performance.now() - t, out };
};

try {
  // A store whose summary is then taken away, as a store from before the summary holds usage.
  await new SqliteStore({ dataDir }).close();
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(join(dataDir, `summary.db${suffix}`), { force: true });
  const db = new BetterSqlite3(join(dataDir, 'meterd.db'));
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(`insert into usage_batches (operation, product_code,
    caller_account_id, caller_access_key_id, request_id, recorded_at, first_usage_time,
    last_usage_time, record_count, records) values ('MeterUsage', 'acme-saas', '111111111111',
    'AKIABENCH', ?, ?, ?, ?, ?, ?)`);
  const load = await time(() => {
    let n = 0;
    const step = (HOURS * HOUR) / RECORDS;
    const chunk = db.transaction((calls) => {
      for (let c = 0; c < calls && n < RECORDS; c++) {
        const packed = [];
        let first = Infinity;
        let last = -Infinity;
        for (let i = 0; i < PER_CALL && n < RECORDS; i++, n++) {
          const t = START + Math.floor(n * step);
          first = Math.min(first, t);
          last = Math.max(last, t);
          const customer = String(100000000000 + (n % CUSTOMERS));
          packed.push(
            `["id-${n}","token|${n}",null,"${n % 100}","${customer}",null,null,"${DIMENSIONS[n % 4]}",${t},${n % 100},null]`,
          );
        }
        insert.run(`call-${n}`, first, first, last, packed.length, `[${packed.join(',')}]`);
      }
    });
    while (n < RECORDS) chunk(1000);
  });
  db.close();
  // The summary thread follows the whole log; a report waits for it (refused while far behind).
  const backfill = await time(async () => {
    const store = new SqliteStore({ dataDir });
    const window = { from: new Date(START), to: new Date(START + HOUR), granularity: 'hour' };
    try {
      for (;;)
        try {
          await store.reportUsage({ ...window, groupBy: [], limit: 1 });
          return;
        } catch (error) {
          if (!/behind the usage log/.test(String(error))) throw error;
        }
    } finally {
      await store.close();
    }
  });
  console.log(
    `loaded ${RECORDS} records in ${load.ms.toFixed(0)} ms; the summary thread summed them in ${backfill.ms.toFixed(0)} ms`,
  );

  const summary = new BetterSqlite3(join(dataDir, 'summary.db'), { readonly: true });
  const summaryRows = summary.prepare('select count(*) n from usage_summary').get().n;
  summary.close();
  const raw = new BetterSqlite3(join(dataDir, 'meterd.db'), { readonly: true });
  // The same report in plain SQL over the raw records: days of January, quantity and count.
  const bare = raw.prepare(`select (json_extract(r.value, '$[8]') / 86400000) * 86400000 as day,
      sum(json_extract(r.value, '$[9]')) as quantity, count(*) as records
    from usage_batches b, json_each(b.records) r
    where b.last_usage_time >= ? and b.first_usage_time < ?
    group by day order by day`);
  const bareRuns = [];
  let bareRows;
  for (let i = 0; i < REPEATS; i++) {
    const r = await time(() => bare.all(START, START + HOURS * HOUR));
    bareRuns.push(r.ms);
    bareRows = r.out;
  }
  raw.close();

  const meterd = await startMeterd({ dataDir, adminToken: TOKEN, catalog: null });
  const apiRuns = [];
  let report;
  try {
    const query = new URLSearchParams({
      from: new Date(START).toISOString(),
      to: new Date(START + HOURS * HOUR).toISOString(),
      granularity: 'day',
    });
    for (let i = 0; i < REPEATS; i++) {
      const r = await time(async () =>
        (
          await fetch(`${meterd.url}/admin/v1/reports/usage?${query}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          })
        ).json(),
      );
      apiRuns.push(r.ms);
      report = r.out;
    }
  } finally {
    await meterd.stop();
  }
  const same =
    report.rows.length === bareRows.length &&
    report.rows.every(
      (r, i) =>
        Date.parse(r.period) === bareRows[i].day &&
        r.quantity === bareRows[i].quantity &&
        r.records === bareRows[i].records,
    );
  const result = {
    records: RECORDS,
    customers: CUSTOMERS,
    summaryRows,
    loadMs: Math.round(load.ms),
    backfillMs: Math.round(backfill.ms),
    reportMedianMs: Math.round(median(apiRuns)),
    reportRunsMs: apiRuns.map(Math.round),
    bareSqlMedianMs: Math.round(median(bareRuns)),
    bareSqlRunsMs: bareRuns.map(Math.round),
    sameAnswer: same,
    host: { cpus: os.cpus().length, load: os.loadavg().map((l) => +l.toFixed(1)) },
  };
  console.log(JSON.stringify(result, null, 2));
  if (!same) throw new Error('the report and the bare SQL aggregate disagree');
  const dir = new URL('results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `reports-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify(result, null, 2) + '\n',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
