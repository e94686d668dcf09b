// Checks, after meterd has stopped, that every acknowledged record is in its SQLite store: each
// BatchMeterUsage request answered all-Success must have its 25 records (same product, customer,
// dimension and usage time, with the request's quantity), each MeterUsage MeteringRecordId its
// record. Records are read from the calls meterd stored (usage_batches, one row per call, its
// records packed as [id, key, until, fingerprint, account, identifier, licence, dimension, time,
// quantity, allocations]) and matched on those fields, not on the dedupe-key format.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PRODUCTS, customerAccount, dimension, productCode, saasRecords } from './workload.mjs';

export function verifyAcknowledged(dataDir, { saasAcks, meterUsageIds, hours }) {
  const started = Date.now();
  const db = new Database(join(dataDir, 'meterd.db'), { readonly: true, fileMustExist: true });
  try {
    // The live rows of each product (the benchmark's records all lie in the 6-hour window).
    const live = db.prepare(
      `select records from usage_batches where product_code = ? and last_usage_time >= ?`,
    );
    const stored = Array.from({ length: PRODUCTS }, (_, p) => {
      const rows = new Map();
      for (const b of live.iterate(productCode(p), hours[0].start))
        for (const [, , , , a, , , d, t, q] of JSON.parse(b.records)) rows.set(`${a}|${d}|${t}`, q);
      return rows;
    });
    const ids = new Set();
    for (const b of db
      .prepare(
        `select records from usage_batches where operation = 'MeterUsage' and last_usage_time >= ?`,
      )
      .iterate(hours[0].start))
      for (const [id] of JSON.parse(b.records)) ids.add(id);
    const byId = { get: (id) => (ids.has(id) ? 1 : undefined) };
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
