// Checks, after meterd has stopped, that every acknowledged record is in its SQLite store: each
// BatchMeterUsage request answered all-Success must have its 25 rows (same product, customer,
// dimension and usage time, with the request's quantity), each MeterUsage MeteringRecordId its
// row. Rows are matched on their columns, not on meterd's internal dedupe-key format.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PRODUCTS, customerAccount, dimension, productCode, saasRecords } from './workload.mjs';

export function verifyAcknowledged(dataDir, { saasAcks, meterUsageIds, hours }) {
  const started = Date.now();
  const db = new Database(join(dataDir, 'meterd.db'), { readonly: true, fileMustExist: true });
  try {
    // The live rows of each product (the benchmark's records all lie in the 6-hour window).
    const live = db.prepare(
      `select customer_aws_account_id as a, dimension as d, usage_time as t, quantity as q
       from usage_records where product_code = ? and usage_time >= ?`,
    );
    const stored = Array.from({ length: PRODUCTS }, (_, p) => {
      const rows = new Map();
      for (const r of live.iterate(productCode(p), hours[0].start))
        rows.set(`${r.a}|${r.d}|${r.t}`, Number(r.q));
      return rows;
    });
    const byId = db.prepare('select 1 from usage_records where metering_record_id = ?').pluck();
    let records = 0;
    const missing = [];
    for (const g of new Set(saasAcks.map(Number))) {
      for (const r of saasRecords(g)) {
        records++;
        const key = `${customerAccount(r.p, r.c)}|${dimension(r.d)}|${hours[r.h].timestamp}`;
        const quantity = stored[r.p].get(key);
        if (quantity !== g)
          missing.push(`${productCode(r.p)} ${key} (request ${g}, found ${quantity ?? 'nothing'})`);
      }
    }
    for (const id of new Set(meterUsageIds)) {
      records++;
      if (byId.get(id) === undefined) missing.push(`MeterUsage ${id}`);
    }
    return {
      checkedRecords: records,
      missing: missing.length,
      examples: missing.slice(0, 5),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    db.close();
  }
}
