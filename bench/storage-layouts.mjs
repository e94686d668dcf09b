// What the embedded store's usage layouts cost on this machine, apart from HTTP and the rest of
// meterd: calls of 25 BatchMeterUsage-shaped records and one audit event body, 32 calls per
// transaction, written with better-sqlite3 to a SQLite file in WAL mode (no fsync: the commit
// flush is the same for every layout). Prints microseconds per call for each layout.
//   node bench/storage-layouts.mjs [calls]        (default 20,000 calls = 500,000 records)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const CALLS = Number(process.argv[2] ?? 20_000);
const EVENT = 'x'.repeat(5_000); // a stored BatchMeterUsage event is ~5 KB
const HOUR = 3_600_000;
const columns = `fingerprint text not null, operation text not null, product_code text not null,
  customer_aws_account_id text not null, customer_identifier text, license_arn text,
  dimension text not null, usage_time bigint not null, quantity bigint not null, allocations text,
  caller_account_id text not null, caller_access_key_id text not null, request_id text not null,
  recorded_at bigint not null`;
const events = `create table ev (seq integer primary key autoincrement, event_id text not null unique,
  event_time bigint not null, body text not null); create index ev_time on ev(event_time);`;

const layouts = {
  'one row per record, id primary key, unique dedupe key (meterd before)': `create table u
    (metering_record_id text primary key, dedupe_key text not null unique, ${columns});
    create index u_time on u(product_code, usage_time);`,
  'one row per record, rowid, unique dedupe key': `create table u (seq integer primary key,
    metering_record_id text not null, dedupe_key text not null unique, ${columns});
    create index u_time on u(product_code, usage_time);`,
  'one row per record, WITHOUT ROWID keyed on the dedupe key': `create table u
    (dedupe_key text primary key, metering_record_id text not null, ${columns}) without rowid;
    create index u_time on u(product_code, usage_time);`,
  'one row per record, no index at all (appending only)': `create table u
    (seq integer primary key, metering_record_id text not null, dedupe_key text not null, ${columns});`,
  'one row per call, records packed as JSON (meterd now)': `create table b
    (seq integer primary key, product_code text not null, recorded_at bigint not null,
    records text not null); create index b_recorded on b(recorded_at);`,
};

const names = [
  'metering_record_id',
  'dedupe_key',
  'fingerprint',
  'operation',
  'product_code',
  'customer_aws_account_id',
  'customer_identifier',
  'license_arn',
  'dimension',
  'usage_time',
  'quantity',
  'allocations',
  'caller_account_id',
  'caller_access_key_id',
  'request_id',
  'recorded_at',
];

function run(schema) {
  const dir = mkdtempSync(join(os.tmpdir(), 'meterd-layouts-'));
  const db = new Database(join(dir, 't.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  db.exec(schema + events);
  const packed = schema.includes('create table b');
  const insert = packed
    ? db.prepare('insert into b (product_code, recorded_at, records) values (?, ?, ?)')
    : db.prepare(
        `insert into u (${names}) values (${names.map(() => '?')}) on conflict do nothing`,
      );
  const event = db.prepare('insert into ev (event_id, event_time, body) values (?, ?, ?)');
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  const now = Date.now();
  const hour = Math.floor(now / HOUR) * HOUR;
  let g = 0;
  const started = process.hrtime.bigint();
  for (let c = 0; c < CALLS; c += 32) {
    begin.run();
    for (let j = 0; j < 32; j++) {
      const request = randomUUID();
      const records = [];
      for (let r = 0; r < 25; r++, g++) {
        const h = hour - (g % 6) * HOUR;
        const account = String(100000000000 + ((g * 7919) % 5000000));
        records.push([
          randomUUID(),
          `saas|${h}|prod-${g % 8}|${account}|dim${g % 24}`,
          h + 7 * HOUR,
          '5',
          account,
          `cust-${account}`,
          null,
          `dim${g % 24}`,
          h + 60_000,
          5,
          null,
        ]);
      }
      if (packed) insert.run(`prod-${g % 8}`, now, JSON.stringify(records));
      else
        for (const [id, key, , fp, account, customer, licence, dim, time, q, alloc] of records)
          insert.run(
            id,
            key,
            fp,
            'BatchMeterUsage',
            `prod-${g % 8}`,
            account,
            customer,
            licence,
            dim,
            time,
            q,
            alloc,
            '111111111111',
            'AKIAEXAMPLE',
            request,
            now,
          );
      event.run(randomUUID(), now, EVENT);
    }
    commit.run();
  }
  const us = Number(process.hrtime.bigint() - started) / 1e3 / CALLS;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return us;
}

console.log(`${CALLS} calls of 25 records, one 5 KB event each, 32 calls per transaction:`);
for (const [name, schema] of Object.entries(layouts))
  console.log(`${run(schema).toFixed(0).padStart(6)} µs per call  ${name}`);
