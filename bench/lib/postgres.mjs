// The PostgreSQL rows of `npm run bench` run on a fresh database that the test kit creates (and
// drops at the end); this checks afterwards that every acknowledged BatchMeterUsage record is
// in it. Records are looked up by their deduplication keys (meterd's format:
// `saas|<hour start ms>|<product>|<customer account>|<dimension>`, unique-indexed) in batches,
// and each row found is then matched on its columns and quantity, so a change of key format
// shows up as missing records rather than passing silently.
import pg from 'pg';
import { customerAccount, dimension, productCode, saasRecords } from './workload.mjs';

// Imported when first used: servers.mjs, loaded beside this, builds the kit if it is missing.
const kit = () => import('@meterd/testkit');

/** The server's version when one answers at `url` within 3 s, else `{ error }`. */
export const detectPostgres = async (url) => (await kit()).probePostgres(url);

/** Creates a fresh database on the server at `adminUrl`; `drop()` removes it. */
export const createDatabase = async (adminUrl) =>
  (await kit()).createDatabase({ serverUrl: adminUrl, prefix: 'meterd_bench' });

/** Looks up every record of the acknowledged BatchMeterUsage requests `saasAcks`. */
export async function verifyPostgres(url, { saasAcks, hours, batch = 5000 }) {
  const started = Date.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let records = 0;
    const missing = [];
    let keys = [];
    let expected = new Map();
    const flush = async () => {
      if (keys.length === 0) return;
      const { rows } = await client.query(
        `select dedupe_key, product_code, customer_aws_account_id, dimension, usage_time, quantity
         from usage_records where dedupe_key = any($1::text[])`,
        [keys],
      );
      const found = new Map(rows.map((r) => [r.dedupe_key, r]));
      for (const [key, e] of expected) {
        const r = found.get(key);
        const ok =
          r &&
          r.product_code === e.product &&
          r.customer_aws_account_id === e.account &&
          r.dimension === e.dimension &&
          Number(r.usage_time) === e.time &&
          Number(r.quantity) === e.quantity;
        if (!ok)
          missing.push(
            `${key} (request ${e.quantity}, found ${r ? `quantity ${r.quantity}` : 'nothing'})`,
          );
      }
      keys = [];
      expected = new Map();
    };
    for (const g of new Set(saasAcks.map(Number))) {
      for (const r of saasRecords(g)) {
        records++;
        const e = {
          product: productCode(r.p),
          account: customerAccount(r.p, r.c),
          dimension: dimension(r.d),
          time: hours[r.h].timestamp,
          quantity: g,
        };
        const key = `saas|${hours[r.h].start}|${e.product}|${e.account}|${e.dimension}`;
        keys.push(key);
        expected.set(key, e);
      }
      if (keys.length >= batch) await flush();
    }
    await flush();
    const { rows } = await client.query('select count(*)::bigint as n from usage_records');
    return {
      checkedRecords: records,
      missing: missing.length,
      examples: missing.slice(0, 5),
      storedRecordsAtEnd: Number(rows[0].n),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await client.end();
  }
}
