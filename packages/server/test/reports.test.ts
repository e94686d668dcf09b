/**
 * @module The usage report (`GET /admin/v1/reports/usage`) against a real meterd: usage sent
 * with the AWS SDK (by account and by licence, with allocations) comes back summed as the
 * stored records add up, in JSON and in the same rows as CSV; bad parameters are refused in the
 * admin API's shape; a large report streams (chunked) while the server's heap stays bounded.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { BatchMeterUsageCommand, type UsageRecord } from '@aws-sdk/client-marketplace-metering';
import { createDatabase } from '@meterd/testkit';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PostgresStore } from '../src/storage/postgres/store.js';
import { SqliteStore } from '../src/storage/sqlite/store.js';
import type { UsageRecordRow } from '../src/storage/store.js';
import { reportFromRecords } from '../src/storage/usage-summary.fixture.js';
import { ADMIN_TOKEN, BACKEND, CLI, KEYS, startMeterd, type Meterd } from './helpers/meterd.js';

const run = promisify(execFile);

const HOUR = 3_600_000;
const GLOBEX = '222222222222';
const LICENSE = 'arn:aws:license-manager::222222222222:license:l-0123456789abcdef';

interface Report {
  from: string;
  to: string;
  granularity: string;
  groupBy: string[];
  rows: Array<Record<string, string | number | null>>;
}

let meterd: Meterd;
before(async () => {
  meterd = await startMeterd();
});
after(() => meterd.stop());

/** GETs a report with the admin token: status, content type and body text. */
async function report(m: Meterd, query: Record<string, string>, token = ADMIN_TOKEN) {
  const res = await fetch(`${m.url}/admin/v1/reports/usage?${new URLSearchParams(query)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** Every stored record, read back through the admin API. */
async function storedUsage(m: Meterd) {
  const out: Array<Record<string, unknown>> = [];
  for (let next: string | undefined; ;) {
    const page = await m.admin<{ records: Array<Record<string, unknown>>; nextToken?: string }>(
      'GET',
      `/usage?limit=1000${next ? `&after=${encodeURIComponent(next)}` : ''}`,
    );
    out.push(...page.body.records);
    if (!(next = page.body.nextToken)) return out;
  }
}

/** CSV text to rows of cells (RFC 4180 quoting; every row ends in CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  const cell = /("(?:[^"]|"")*"|[^,\r\n"]*)(,|\r\n)/y;
  for (let m; (m = cell.exec(text));) {
    const v = m[1]!;
    row.push(v.startsWith('"') ? v.slice(1, -1).replace(/""/g, '"') : v);
    if (m[2] === '\r\n') {
      rows.push(row);
      row = [];
    }
  }
  assert.equal(
    cell.lastIndex === 0 ? text.length : cell.lastIndex,
    text.length,
    'CSV parsed whole',
  );
  return rows;
}

describe('usage report over usage sent with the SDK', () => {
  const hour = Math.floor(Date.now() / HOUR) * HOUR;
  const from = new Date(hour - 5 * HOUR).toISOString();
  const to = new Date(hour + HOUR).toISOString();

  before(async () => {
    const acme = meterd.client(KEYS.acme);
    const at = (h: number) => new Date(hour - h * HOUR + 60_000);
    const records: UsageRecord[] = [
      // By account, split among teams.
      {
        Timestamp: at(1),
        CustomerAWSAccountId: GLOBEX,
        Dimension: 'requests',
        Quantity: 10,
        UsageAllocations: [
          { AllocatedUsageQuantity: 7, Tags: [{ Key: 'team', Value: 'red' }] },
          { AllocatedUsageQuantity: 3, Tags: [{ Key: 'env', Value: 'prod' }] },
        ],
      },
      // By licence: the same customer account, another dimension, no allocations.
      {
        Timestamp: at(1),
        CustomerIdentifier: 'globex-on-acme',
        LicenseArn: LICENSE,
        Dimension: 'storage_gb',
        Quantity: 2_147_483_647,
      },
      { Timestamp: at(2), CustomerAWSAccountId: GLOBEX, Dimension: 'requests', Quantity: 5 },
      {
        Timestamp: at(2),
        CustomerAWSAccountId: GLOBEX,
        Dimension: 'storage_gb',
        Quantity: 4,
        UsageAllocations: [
          { AllocatedUsageQuantity: 4, Tags: [{ Key: 'team', Value: 'blue:b/1' }] },
        ],
      },
    ];
    const out = await acme.send(
      new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: records }),
    );
    assert.deepEqual(
      out.Results!.map((r) => r.Status),
      records.map(() => 'Success'),
    );
    // Sent again (a retry): answered, and not summed again.
    await acme.send(
      new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: records }),
    );
    await meterd.client(KEYS.initech).send(
      new BatchMeterUsageCommand({
        ProductCode: 'initech-saas',
        UsageRecords: [
          { Timestamp: at(3), CustomerAWSAccountId: GLOBEX, Dimension: 'requests', Quantity: 1 },
        ],
      }),
    );
  });

  const CASES: Array<Record<string, string>> = [
    { granularity: 'hour', groupBy: 'product,customer,dimension' },
    { granularity: 'day', groupBy: 'dimension,tag:team' },
    { granularity: 'month', groupBy: '' },
    { granularity: 'hour', groupBy: 'customer,tag:env', productCode: 'acme-saas' },
    {
      granularity: 'hour',
      groupBy: 'dimension',
      customerAWSAccountId: GLOBEX,
      dimension: 'requests',
    },
  ];

  for (const c of CASES)
    it(`sums what was stored, and CSV holds the same rows: ${JSON.stringify(c)}`, async () => {
      const json = await report(meterd, { from, to, ...c });
      assert.equal(json.status, 200, json.text);
      assert.equal(json.type, 'application/json; charset=utf-8');
      const body = JSON.parse(json.text) as Report;
      const groups = c.groupBy ? c.groupBy.split(',') : [];
      assert.deepEqual(body.groupBy, groups);
      // The stored records, summed here by the fixture's reference rules.
      const stored = (await storedUsage(meterd)).map(
        (r) =>
          ({
            ...r,
            usageTime: new Date(r.usageTime as string),
            quantity: r.quantity as number,
          }) as unknown as UsageRecordRow,
      );
      const tagKey = groups.find((g) => g.startsWith('tag:'))?.slice(4);
      const expected = reportFromRecords(stored, {
        from: new Date(from),
        to: new Date(to),
        granularity: c.granularity as 'hour',
        groupBy: groups.filter((g) => !g.startsWith('tag:')) as Array<'product'>,
        ...(tagKey ? { tagKey } : {}),
        ...(c.productCode ? { productCode: c.productCode } : {}),
        ...(c.customerAWSAccountId ? { customerAWSAccountId: c.customerAWSAccountId } : {}),
        ...(c.dimension ? { dimension: c.dimension } : {}),
      });
      assert.ok(expected.length > 0);
      assert.deepEqual(
        body.rows,
        expected.map((r) => {
          const named: Record<string, string | null> = {
            product: r.productCode ?? null,
            customer: r.customerAWSAccountId ?? null,
            dimension: r.dimension ?? null,
          };
          const field = (g: string) =>
            g === 'product' ? 'productCode' : g === 'customer' ? 'customerAWSAccountId' : g;
          return {
            period: r.period.toISOString(),
            ...Object.fromEntries(
              groups.map((g) => [field(g), g.startsWith('tag:') ? r.tagValue : named[g]]),
            ),
            quantity: Number(r.quantity),
            records: Number(r.records),
          };
        }),
      );
      const csv = await report(meterd, { from, to, ...c, format: 'csv' });
      assert.equal(csv.status, 200);
      assert.equal(csv.type, 'text/csv; charset=utf-8');
      const [header, ...rows] = parseCsv(csv.text);
      assert.deepEqual(header, Object.keys(body.rows[0]!));
      assert.deepEqual(
        rows,
        body.rows.map((r) => Object.values(r).map((v) => (v === null ? '' : String(v)))),
      );
    });

  it('meterd report usage writes the same report to --out, and no progress bar off a terminal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meterd-report-cli-'));
    try {
      const out = join(dir, 'usage.csv');
      const query = { from, to, granularity: 'day', groupBy: 'customer,tag:team' };
      const { stdout, stderr } = await run(
        process.execPath,
        [
          CLI,
          'report',
          'usage',
          '--from',
          from,
          '--to',
          to,
          '--granularity',
          'day',
          '--group-by',
          'customer,tag:team',
          '--format',
          'csv',
          '--out',
          out,
          '--url',
          meterd.url,
        ],
        { env: { ...process.env, METERD_ADMIN_TOKEN: ADMIN_TOKEN } },
      );
      assert.equal(stdout, '');
      assert.equal(stderr, '');
      assert.equal(
        readFileSync(out, 'utf8'),
        (await report(meterd, { ...query, format: 'csv' })).text,
      );
      const bad = await run(
        process.execPath,
        [CLI, 'report', 'usage', '--from', from, '--to', from, '--url', meterd.url],
        { env: { ...process.env, METERD_ADMIN_TOKEN: ADMIN_TOKEN } },
      ).catch((e) => e);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^meterd: InvalidParameter: to must be after from/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts a licence-named record under its customer account', async () => {
    const body = JSON.parse(
      (await report(meterd, { from, to, granularity: 'month', groupBy: 'customer,dimension' }))
        .text,
    ) as Report;
    const storage = body.rows.find((r) => r.dimension === 'storage_gb')!;
    assert.equal(storage.customerAWSAccountId, GLOBEX);
    assert.equal(storage.quantity, 2_147_483_651);
    assert.equal(storage.records, 2);
  });

  const BAD: Array<[Record<string, string>, RegExp]> = [
    [{ to }, /from is required/],
    [{ from }, /to is required/],
    [{ from: 'yesterday', to }, /from must be an ISO-8601/],
    [{ from: new Date(hour + 60_000).toISOString(), to }, /from must be a whole hour/],
    [{ from: to, to: from }, /to must be after from/],
    [{ from, to, granularity: 'week' }, /granularity must be one of hour, day, month/],
    [{ from, to, groupBy: 'customer,account' }, /groupBy takes product, customer/],
    [{ from, to, groupBy: 'customer,customer' }, /names customer twice/],
    [{ from, to, groupBy: 'tag:a,tag:b' }, /one tag key only/],
    [{ from, to, groupBy: 'tag:' }, /1 to 100 characters/],
    [{ from, to, format: 'xml' }, /format must be json or csv/],
    [{ from, to, group_by: 'customer' }, /group_by is not a parameter/],
  ];
  for (const [query, message] of BAD)
    it(`refuses ${JSON.stringify(query)} in the admin API's shape`, async () => {
      const res = await report(meterd, query);
      assert.equal(res.status, 400);
      const body = JSON.parse(res.text) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'InvalidParameter');
      assert.match(body.error.message, message);
    });

  it('refuses a parameter given twice, and a wrong token', async () => {
    const twice = await fetch(
      `${meterd.url}/admin/v1/reports/usage?from=${from}&to=${to}&dimension=a&dimension=b`,
      { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    );
    assert.equal(twice.status, 400);
    assert.match(await twice.text(), /dimension must be given once/);
    const wrong = await report(meterd, { from, to }, 'wrong-token');
    assert.equal(wrong.status, 401);
    assert.equal(JSON.parse(wrong.text).error.code, 'Unauthorized');
  });
});

describe('a large report', () => {
  const HOURS = 600;
  const CUSTOMERS = 400;
  const start = Date.UTC(2025, 0, 1);
  let big: Meterd;
  let cleanup: () => Promise<void> = async () => undefined;

  // A summary of 240,000 rows (600 hours × 400 customers), written straight into the tables
  // of a store that then serves it: reports read only the summary.
  before(async () => {
    const rows = `select ${start} + h * ${HOUR}, 'acme-saas', cast(100000000000 + c as text),
      'requests', '', '', h + c, 1`;
    const insert = `insert into usage_summary (hour, product_code, customer_aws_account_id,
      dimension, tag_key, tag_value, quantity, records)`;
    if (BACKEND === 'postgres') {
      const database = await createDatabase();
      await (await PostgresStore.open({ databaseUrl: database.url })).close();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(
        `${insert} ${rows} from generate_series(0::bigint, ${HOURS - 1}) h, generate_series(0::bigint, ${CUSTOMERS - 1}) c`,
      );
      await client.end();
      big = await startMeterd({ databaseUrl: database.url });
      cleanup = database.drop;
    } else {
      const dataDir = mkdtempSync(join(tmpdir(), 'meterd-report-'));
      await new SqliteStore({ dataDir }).close();
      // SQLite keeps its summary in a file of its own beside the usage log.
      const db = new BetterSqlite3(join(dataDir, 'summary.db'));
      db.exec(`${insert} with recursive h(h) as (select 0 union all select h + 1 from h where h < ${HOURS - 1}),
        c(c) as (select 0 union all select c + 1 from c where c < ${CUSTOMERS - 1}) ${rows} from h, c`);
      db.close();
      big = await startMeterd({ dataDir });
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
    }
  });
  after(async () => {
    await big?.stop();
    await cleanup();
  });

  /** The server's heap in use, from its metrics. */
  async function heapUsed(): Promise<number> {
    const text = await (await fetch(`${big.url}/metrics`)).text();
    return Number(/^nodejs_heap_size_used_bytes (\d+)/m.exec(text)![1]);
  }

  it('streams, chunked, while the server holds a few pages at a time', async () => {
    const heapBefore = await heapUsed();
    const query = new URLSearchParams({
      from: new Date(start).toISOString(),
      to: new Date(start + HOURS * HOUR).toISOString(),
      groupBy: 'customer',
    });
    let bytes = 0;
    let lines = 0;
    let heapDuring = 0;
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = get(
        `${big.url}/admin/v1/reports/usage?${query}`,
        { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
        (res) => {
          let paused = false;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (const b of chunk) if (b === 10) lines++;
            // Stop reading a while once under way: the server must wait, not buffer the rest.
            if (!paused && bytes > 1_000_000) {
              paused = true;
              res.pause();
              setTimeout(async () => {
                heapDuring = await heapUsed();
                res.resume();
              }, 500);
            }
          });
          res.on('end', () => resolve(res.headers));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
    });
    assert.equal(headers['transfer-encoding'], 'chunked');
    assert.equal(headers['content-length'], undefined);
    // A row a line, between the head line and the closing one.
    assert.equal(lines, HOURS * CUSTOMERS + 2);
    assert.ok(bytes > 20_000_000, `${bytes} bytes`);
    assert.ok(heapDuring > 0);
    // An answer held whole would take at least its own size; the garbage a loaded machine has
    // not collected yet takes some of the rest.
    assert.ok(
      heapDuring - heapBefore < bytes / 2,
      `heap grew ${heapDuring - heapBefore} bytes during a ${bytes}-byte answer`,
    );
  });
});
