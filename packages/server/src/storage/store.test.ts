/**
 * @module The store contract, one suite looped over every backend: SQLite on a real file in a
 * temporary directory, PostgreSQL in a database created for the suite (each test in a schema
 * of its own) and dropped at the end. Catalog reads and writes, signing keys and task
 * registrations, deduplication within a call, across calls and across a restart, client
 * tokens, rollback, events and usage reports paged to their last page.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDatabase, POSTGRES_URL, probePostgres } from '@meterd/testkit';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { buildEvent, type AuditEvent } from '../audit/event.js';
import type { CallContext } from '../domain/call-context.js';
import type { AccessKey, Account, Agreement, Product, SigningKey } from '../domain/catalog.js';
import { PostgresStore } from './postgres/store.js';
import { SqliteStore } from './sqlite/store.js';
import type {
  EventFilter,
  Store,
  UsageFilter,
  UsageOutcome,
  UsageRecordRow,
  UsageReportQuery,
  UsageReportRow,
} from './store.js';
import { REPORT_CASES, reportFromRecords, taggedRecords } from './usage-summary.fixture.js';

const BACKENDS = ['sqlite', 'postgres'] as const;

/** Counts the queries a PostgreSQL store sends from now on (through its pool). */
function countQueries(store: PostgresStore) {
  const pool = (store as unknown as { pool: pg.Pool }).pool;
  const counted = { n: 0 };
  const query = pool.query.bind(pool) as (...a: unknown[]) => unknown;
  (pool as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
    counted.n++;
    return query(...a);
  };
  return counted;
}
type Backend = (typeof BACKENDS)[number];

/** Opens stores for one test: `open()` again on the same data is a restart. */
interface Opener {
  open(): Promise<Store>;
  /** Runs SQL on the test's database directly, while no store has it open. */
  exec(statements: string): Promise<void>;
  /**
   * Takes the usage summary away, while no store has the data open, as a store from before it
   * had one: PostgreSQL's table (and migration 9 that fills it), SQLite's summary file.
   */
  dropSummary(): Promise<void>;
}

/** How a backend gets a fresh place for each test; `skip` says why it cannot run. */
interface Harness {
  skip?: string;
  fresh(): Promise<Opener>;
}

async function sqliteHarness(): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'meterd-contract-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return {
    fresh: async () => {
      const dataDir = join(root, String(++n));
      return {
        open: async () => new SqliteStore({ dataDir }),
        exec: async (statements) => {
          const db = new BetterSqlite3(join(dataDir, 'meterd.db'));
          db.exec(statements);
          db.close();
        },
        dropSummary: async () => {
          for (const suffix of ['', '-wal', '-shm'])
            rmSync(join(dataDir, `summary.db${suffix}`), { force: true });
        },
      };
    },
  };
}

async function postgresHarness(): Promise<Harness> {
  const probe = await probePostgres();
  if ('error' in probe)
    return {
      skip: `PostgreSQL not reachable at ${POSTGRES_URL} (${probe.error})`,
      fresh: () => Promise.reject(new Error('unreachable')),
    };
  const { url, drop } = await createDatabase();
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  after(async () => {
    await db.end();
    await drop();
  });
  let n = 0;
  return {
    fresh: async () => {
      // Each test in a schema of its own: the store's tables are found through search_path.
      const schema = `t${++n}`;
      await db.query(`create schema ${schema}`);
      const at = new URL(url);
      at.searchParams.set('options', `-c search_path=${schema}`);
      return {
        open: () => PostgresStore.open({ databaseUrl: at.href }),
        exec: async (statements) => {
          await db.query(`set search_path = ${schema}`);
          await db.query(statements);
          await db.query('reset search_path');
        },
        dropSummary: async () => {
          await db.query(`set search_path = ${schema}`);
          await db.query(
            'drop table usage_summary; delete from schema_migrations where version = 9;',
          );
          await db.query('reset search_path');
        },
      };
    },
  };
}

const HARNESSES: Record<Backend, () => Promise<Harness>> = {
  sqlite: sqliteHarness,
  postgres: postgresHarness,
};

const HOUR = 3_600_000;
const now = new Date();
const hour = Math.floor(now.getTime() / HOUR) * HOUR;

let n = 0;
/** A usage record; ids grow with each one made, so both backends' page orders agree. */
function row(over: Partial<UsageRecordRow> = {}): UsageRecordRow {
  n++;
  return {
    meteringRecordId: `id-${String(n).padStart(8, '0')}`,
    dedupeKey: `saas|${hour}|prod|${100000000000 + n}|dim`,
    fingerprint: '1',
    dedupeUntil: new Date(hour + 7 * HOUR),
    operation: 'BatchMeterUsage',
    productCode: 'prod',
    customerAWSAccountId: String(100000000000 + n),
    customerIdentifier: `cust-${n}`,
    licenseArn: null,
    dimension: 'dim',
    usageTime: new Date(hour + 60_000),
    quantity: 1,
    allocations: null,
    callerAccountId: '111111111111',
    callerAccessKeyId: 'AKIATEST',
    requestId: 'request-1',
    recordedAt: now,
    ...over,
  };
}

function context(at: Date, accountId = '111111111111'): CallContext {
  return {
    requestId: `request-${at.getTime()}`,
    principal: {
      accountId,
      accessKeyId: 'AKIATEST',
      temporary: false,
      resourceRegion: 'us-east-1',
    },
    region: 'us-east-1',
    sourceIp: '127.0.0.1',
    userAgent: 'test',
    now: at,
  };
}

const event = (name = 'BatchMeterUsage', at = now, accountId?: string): AuditEvent =>
  buildEvent(context(at, accountId), name, {}, { response: {} });

/** Records `records` as one call; returns (stored id, created) per record. */
async function record(store: Store, records: UsageRecordRow[]) {
  return store.recordUsage(records, (outcomes: UsageOutcome[]) => ({
    value: outcomes.map((o) => [o.row.meteringRecordId, o.created] as const),
    event: event(),
  }));
}

/** Every page of a report, following `next` until a page has none. */
async function pages(store: Store, filter: Omit<UsageFilter, 'after'>) {
  const found: UsageRecordRow[][] = [];
  let after: string | undefined;
  do {
    const page = await store.listUsage({ ...filter, ...(after ? { after } : {}) });
    found.push(page.records);
    after = page.next;
  } while (after);
  return found;
}

/** Every page of a usage report, each after the last row of the one before. */
async function reportPages(store: Store, query: Omit<UsageReportQuery, 'after'>) {
  const found: UsageReportRow[] = [];
  for (let after: UsageReportRow | undefined; ;) {
    const page = await store.reportUsage({ ...query, ...(after ? { after } : {}) });
    found.push(...page);
    if (page.length < query.limit) return found;
    after = page.at(-1);
  }
}

/** Every stored record, read back. */
async function storedRecords(store: Store) {
  return (await pages(store, { limit: 1000 })).flat();
}

/** The events of a filter, every page of `limit`. */
async function eventPages(store: Store, filter: Omit<EventFilter, 'after'>) {
  const found: AuditEvent[][] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.listEvents({ ...filter, ...(after === undefined ? {} : { after }) });
    found.push(page.map((e) => e.event));
    if (page.length < filter.limit) return found;
    after = page.at(-1)!.seq;
  }
}

const seller: Account = { accountId: '111111111111', name: 'Seller' };
const buyer: Account = { accountId: '222222222222', name: 'Buyer' };
const sellerKey: AccessKey = {
  accessKeyId: 'AKIASELLER',
  accountId: seller.accountId,
  secretAccessKey: 'secret-1',
  sessionToken: null,
  region: null,
};
const buyerKey: AccessKey = {
  accessKeyId: 'ASIABUYER',
  accountId: buyer.accountId,
  secretAccessKey: 'secret-2',
  sessionToken: 'session',
  region: 'eu-west-1',
};
const saas: Product = {
  productCode: 'saas-product',
  sellerAccountId: seller.accountId,
  type: 'saas',
  dimensions: ['users', 'storage_gb'],
  fulfillmentUrl: 'https://example.com/fulfil',
  meterUsageMode: 'hourly',
  publicKeyVersions: null,
};
const container: Product = {
  productCode: 'container-product',
  sellerAccountId: seller.accountId,
  type: 'container',
  dimensions: ['tasks'],
  fulfillmentUrl: null,
  meterUsageMode: 'continuous',
  publicKeyVersions: [1, 2],
};
const agreement = (
  licenseArn: string,
  productCode: string,
  customer: string,
  identifier: string,
  startedAt: number,
): Agreement => ({
  licenseArn,
  productCode,
  customerAWSAccountId: customer,
  customerIdentifier: identifier,
  status: 'active',
  startedAt: new Date(startedAt),
  endedAt: null,
  entitlements: [],
});
const a1 = agreement('arn:license/1', saas.productCode, buyer.accountId, 'cust-a', 1000);
const a2 = agreement('arn:license/2', saas.productCode, '333333333333', 'cust-b', 2000);
const a3 = agreement('arn:license/3', container.productCode, buyer.accountId, 'cust-c', 3000);

for (const backend of BACKENDS) {
  const harness = await HARNESSES[backend]();
  describe(backend, () => {
    if (harness.skip !== undefined) {
      const reason = harness.skip;
      it('keeps the store contract', (t) => t.skip(reason));
      return;
    }
    /** A store on fresh data, closed after `body`; `restart` closes it and opens it again. */
    async function withStore(
      body: (store: Store, restart: () => Promise<Store>) => Promise<void>,
    ): Promise<void> {
      const opener = await harness.fresh();
      let store = await opener.open();
      try {
        await body(store, async () => {
          await store.close();
          return (store = await opener.open());
        });
      } finally {
        await store.close();
      }
    }
    /** A record as read back: PostgreSQL keeps no dedupe expiry (its index keeps keys for ever). */
    const stood = (r: UsageRecordRow): UsageRecordRow =>
      backend === 'postgres' ? { ...r, dedupeUntil: null } : r;

    it('reads what applyCatalog upserted, by key and in lists, and sees later upserts', async () => {
      await withStore(async (store) => {
        assert.equal(store.dialect, backend);
        assert.equal(await store.getAccount(seller.accountId), undefined);
        assert.equal(await store.getAccessKey(sellerKey.accessKeyId), undefined);
        assert.equal(await store.getProduct(saas.productCode), undefined);
        assert.equal(await store.getAgreement(a1.licenseArn), undefined);
        await store.applyCatalog({
          accounts: [buyer, seller],
          accessKeys: [buyerKey, sellerKey],
          products: [saas, container],
          agreements: [a3, a2, a1],
        });
        assert.deepEqual(await store.getAccount(seller.accountId), seller);
        assert.deepEqual(await store.getAccessKey(sellerKey.accessKeyId), sellerKey);
        assert.deepEqual(await store.getAccessKey(buyerKey.accessKeyId), buyerKey);
        assert.deepEqual(await store.getProduct(saas.productCode), saas);
        assert.deepEqual(await store.getProduct(container.productCode), container);
        assert.deepEqual(await store.getAgreement(a1.licenseArn), a1);
        assert.deepEqual(await store.listAccounts(), [seller, buyer]);
        assert.deepEqual(await store.listAccessKeys(), [sellerKey, buyerKey]);
        assert.deepEqual(await store.listAccessKeys(seller.accountId), [sellerKey]);
        assert.deepEqual(await store.listAccessKeys('999999999999'), []);
        assert.deepEqual(await store.listProducts(), [container, saas]);

        // An upsert replaces by primary key, and reads (cached or not) see it.
        const renamed = { ...seller, name: 'Seller, renamed' };
        const rotated = { ...sellerKey, secretAccessKey: 'secret-3', region: 'us-west-2' };
        const changed = { ...saas, dimensions: ['users'], publicKeyVersions: [3] };
        const ended = { ...a1, status: 'unsubscribed' as const, endedAt: new Date(5000) };
        await store.applyCatalog({
          accounts: [renamed],
          accessKeys: [rotated],
          products: [changed],
          agreements: [ended],
        });
        assert.deepEqual(await store.getAccount(seller.accountId), renamed);
        assert.deepEqual(await store.getAccessKey(sellerKey.accessKeyId), rotated);
        assert.deepEqual(await store.getProduct(saas.productCode), changed);
        assert.deepEqual(await store.getAgreement(a1.licenseArn), ended);
        assert.deepEqual(await store.findAgreements({ productCode: saas.productCode }), [
          ended,
          a2,
        ]);
        assert.equal((await store.listAccounts()).length, 2);
      });
    });

    it('applies 40,000 agreements, then changes and removes them, each in seconds', async () => {
      await withStore(async (store) => {
        const N = 40_000;
        const many = Array.from({ length: N }, (_, i) =>
          agreement(
            `arn:license/bulk-${i}`,
            saas.productCode,
            `9${String(i).padStart(11, '0')}`,
            `bulk-${i}`,
            i,
          ),
        );
        const timed = async (change: Parameters<Store['applyCatalog']>[0]) => {
          const started = performance.now();
          await store.applyCatalog(change);
          return performance.now() - started;
        };
        const createdMs = await timed({ accounts: [seller], products: [saas], agreements: many });
        assert.equal((await store.findAgreements({ productCode: saas.productCode })).length, N);
        assert.deepEqual(await store.getAgreement(many[N - 1]!.licenseArn), many[N - 1]);
        // Every one changed (and one named twice: the later row is the one kept).
        const ended = many.map((a) => ({
          ...a,
          status: 'unsubscribed' as const,
          endedAt: new Date(9000),
        }));
        const twice = { ...ended[7]!, customerIdentifier: 'bulk-7-later' };
        const updatedMs = await timed({ agreements: [...ended, twice] });
        assert.deepEqual(await store.getAgreement(ended[N - 1]!.licenseArn), ended[N - 1]);
        assert.deepEqual(await store.getAgreement(twice.licenseArn), twice);
        const removedMs = await timed({
          remove: { agreements: many.slice(0, N - 1).map((a) => a.licenseArn) },
        });
        assert.deepEqual(await store.findAgreements({ productCode: saas.productCode }), [
          ended[N - 1],
        ]);
        process.stdout.write(
          `# catalog apply (${backend}): 40,000 agreements created in ${Math.round(createdMs)} ms, updated in ${Math.round(updatedMs)} ms, 39,999 removed in ${Math.round(removedMs)} ms\n`,
        );
        for (const ms of [createdMs, updatedMs, removedMs]) assert.ok(ms < 10_000, `${ms} ms`);
      });
    });

    if (backend === 'postgres')
      it("serves the hot path's catalog reads from memory, finds what another instance created at once and sees its changes within its refresh", async () => {
        const opener = await harness.fresh();
        const first = (await opener.open()) as PostgresStore;
        await first.close();
        // Two instances on one database, re-reading the catalog's version every 100 ms.
        const url = (first as unknown as { pool: { options: { connectionString: string } } }).pool
          .options.connectionString;
        // A third re-reads it only every minute: what it finds at once, it found by checking.
        const [a, b, c] = await Promise.all([
          PostgresStore.open({ databaseUrl: url, catalogRefreshMs: 100 }),
          PostgresStore.open({ databaseUrl: url, catalogRefreshMs: 100 }),
          PostgresStore.open({ databaseUrl: url, catalogRefreshMs: 60_000 }),
        ]);
        try {
          await a.applyCatalog({
            accounts: [seller, buyer],
            accessKeys: [sellerKey],
            products: [saas],
            agreements: [a1, a2],
          });
          const customers = { accounts: [buyer.accountId], identifiers: ['cust-b'] };
          assert.deepEqual(await b.findCustomerAgreements(saas.productCode, customers), [a1, a2]);
          assert.deepEqual(await b.getAccessKey(sellerKey.accessKeyId), sellerKey);
          // Served from memory: the same objects again, no database read.
          const counted = countQueries(b);
          await b.getProduct(saas.productCode);
          const before = counted.n;
          for (let i = 0; i < 50; i++) {
            await b.getAccessKey(sellerKey.accessKeyId);
            await b.getProduct(saas.productCode);
            await b.findCustomerAgreements(saas.productCode, customers);
          }
          assert.equal(counted.n - before, 0, 'catalog reads of the hot path went to the database');
          // What a creates, b finds at once: a miss is checked against the stored version.
          const newKey = { ...sellerKey, accessKeyId: 'AKIANEWSELLERKEY0001' };
          const newcomer = {
            ...a1,
            licenseArn: `${a1.licenseArn}-newcomer`,
            customerAWSAccountId: '444444444444',
            customerIdentifier: 'cust-newcomer',
          };
          const newcomers = { accounts: ['444444444444'], identifiers: [] };
          assert.equal(await c.getAccessKey(newKey.accessKeyId), undefined);
          assert.deepEqual(await c.findCustomerAgreements(saas.productCode, newcomers), []);
          await a.applyCatalog({ accessKeys: [newKey], agreements: [newcomer] });
          assert.deepEqual(await c.getAccessKey(newKey.accessKeyId), newKey, 'a new key at once');
          assert.deepEqual(
            await c.findCustomerAgreements(saas.productCode, newcomers),
            [newcomer],
            'a new subscription at once',
          );
          // A change through a: b sees it within its refresh (100 ms, plus a read).
          const ended = { ...a1, status: 'unsubscribed' as const, endedAt: new Date(5000) };
          await a.applyCatalog({ agreements: [ended] });
          assert.deepEqual(
            await a.findCustomerAgreements(saas.productCode, customers),
            [ended, a2],
            'the writer sees its change at once',
          );
          const changedAt = performance.now();
          let seen = -1;
          while (performance.now() - changedAt < 2000) {
            const now = await b.findCustomerAgreements(saas.productCode, customers);
            if (now[0]?.status === 'unsubscribed') {
              seen = performance.now() - changedAt;
              break;
            }
            await new Promise((r) => setTimeout(r, 10));
          }
          assert.ok(seen >= 0 && seen < 1000, `b saw the change after ${seen} ms`);
          assert.ok(await a.deleteAccessKey(sellerKey.accessKeyId));
          await new Promise((r) => setTimeout(r, 400));
          assert.equal(
            await b.getAccessKey(sellerKey.accessKeyId),
            undefined,
            'a deleted key is gone on b too',
          );
        } finally {
          await Promise.all([a.close(), b.close(), c.close()]);
        }
      });

    if (backend === 'postgres')
      it('records a group of calls in a few statements, whatever its size, and answers each as if alone', async () => {
        const opener = await harness.fresh();
        const first = (await opener.open()) as PostgresStore;
        await first.close();
        const url = (first as unknown as { pool: { options: { connectionString: string } } }).pool
          .options.connectionString;
        const groups: number[] = [];
        const store = await PostgresStore.open({
          databaseUrl: url,
          onCommit: (_seconds, jobs) => groups.push(jobs),
        });
        // Every statement sent on a transaction's connection is counted (pool.query, which
        // passes a callback, is left alone).
        const pool = (store as unknown as { pool: pg.Pool }).pool;
        const connect = pool.connect.bind(pool) as (...a: unknown[]) => unknown;
        const sent = { n: 0 };
        const counting = new WeakSet<object>();
        (pool as unknown as { connect: (...a: unknown[]) => unknown }).connect = (...a) => {
          if (a.length > 0) return connect(...a);
          return (connect() as Promise<pg.PoolClient>).then((client) => {
            if (!counting.has(client)) {
              counting.add(client);
              const query = client.query.bind(client) as (...q: unknown[]) => unknown;
              (client as unknown as { query: (...q: unknown[]) => unknown }).query = (...q) => {
                sent.n++;
                return query(...q);
              };
            }
            return client;
          });
        };
        try {
          const calls = Array.from({ length: 64 }, () => Array.from({ length: 25 }, () => row()));
          // The last call repeats the first call's records: the group answers them as stored.
          const repeated = calls[0]!.map((r) => ({
            ...r,
            meteringRecordId: `${r.meteringRecordId}-again`,
          }));
          const answers = await Promise.all([...calls, repeated].map((c) => record(store, c)));
          answers.slice(0, 64).forEach((a, i) =>
            assert.deepEqual(
              a,
              calls[i]!.map((r) => [r.meteringRecordId, true]),
            ),
          );
          assert.deepEqual(
            answers[64],
            calls[0]!.map((r) => [r.meteringRecordId, false]),
          );
          const jobs = groups.reduce((x, y) => x + y, 0);
          assert.equal(jobs, 65);
          // BEGIN, the records, the rows that stood, the summary with the events, COMMIT.
          assert.ok(
            sent.n <= 5 * groups.length,
            `${sent.n} statements for ${groups.length} groups of ${groups.join(', ')} calls`,
          );
          process.stdout.write(
            `# PostgreSQL group commit: ${jobs} calls of 25 records in ${groups.length} groups, ${sent.n} statements\n`,
          );
          assert.equal(await store.countUsage(), 64 * 25);
          const events = await store.listEvents({ limit: 100 });
          assert.equal(events.length, 65);
        } finally {
          await store.close();
        }
      });

    it("keeps an agreement's entitlements, of every kind, and replaces and clears them", async () => {
      await withStore(async (store, restart) => {
        const entitled: Agreement = {
          ...a1,
          entitlements: [
            { dimension: 'users', integerValue: 25, expirationDate: new Date(1_900_000_000_000) },
            { dimension: 'ratio', doubleValue: 0.75, expirationDate: null },
            { dimension: 'premium', booleanValue: true, expirationDate: null },
            { dimension: 'tier', stringValue: 'gold', expirationDate: null },
          ],
        };
        await store.applyCatalog({
          accounts: [seller, buyer],
          products: [saas],
          agreements: [entitled, a2],
        });
        assert.deepEqual(await store.getAgreement(a1.licenseArn), entitled);
        assert.deepEqual(await store.findAgreements({ productCode: saas.productCode }), [
          entitled,
          a2,
        ]);
        const reopened = await restart();
        assert.deepEqual(await reopened.getAgreement(a1.licenseArn), entitled);
        const fewer = { ...entitled, entitlements: [entitled.entitlements[3]!] };
        await reopened.applyCatalog({ agreements: [fewer] });
        assert.deepEqual(await reopened.getAgreement(a1.licenseArn), fewer);
        await reopened.applyCatalog({ agreements: [{ ...a1, entitlements: [] }] });
        assert.deepEqual((await reopened.getAgreement(a1.licenseArn))?.entitlements, []);
      });
    });

    it('finds agreements by every filter, and by the customers of a call', async () => {
      await withStore(async (store) => {
        await store.applyCatalog({
          accounts: [seller, buyer],
          products: [saas, container],
          agreements: [a3, a2, a1],
        });
        const find = store.findAgreements.bind(store);
        assert.deepEqual(await find({}), [a1, a2, a3]);
        assert.deepEqual(await find({ customerAWSAccountId: buyer.accountId }), [a1, a3]);
        assert.deepEqual(await find({ productCode: saas.productCode }), [a1, a2]);
        assert.deepEqual(
          await find({ productCode: saas.productCode, customerAWSAccountId: buyer.accountId }),
          [a1],
        );
        assert.deepEqual(
          await find({ productCode: saas.productCode, customerIdentifier: 'cust-b' }),
          [a2],
        );
        assert.deepEqual(
          await find({ productCode: container.productCode, customerIdentifier: 'cust-a' }),
          [],
        );
        assert.deepEqual(await find({ productCode: 'no-such-product' }), []);
        const customers = store.findCustomerAgreements.bind(store);
        assert.deepEqual(
          await customers(saas.productCode, { accounts: [buyer.accountId], identifiers: [] }),
          [a1],
        );
        assert.deepEqual(
          await customers(saas.productCode, { accounts: [], identifiers: ['cust-b', 'cust-c'] }),
          [a2],
        );
        const both = await customers(saas.productCode, {
          accounts: ['333333333333'],
          identifiers: ['cust-a'],
        });
        assert.deepEqual(both.map((a) => a.licenseArn).sort(), [a1.licenseArn, a2.licenseArn]);
        assert.deepEqual(await customers(saas.productCode, { accounts: [], identifiers: [] }), []);
        assert.deepEqual(
          await customers(container.productCode, { accounts: ['333333333333'], identifiers: [] }),
          [],
        );
      });
    });

    it('keeps an agreement without a start, listed before those with one', async () => {
      await withStore(async (store, restart) => {
        const open = { ...a2, licenseArn: 'arn:license/open', startedAt: null };
        await store.applyCatalog({
          accounts: [seller, buyer],
          products: [saas, container],
          agreements: [a2, open, a1],
        });
        assert.deepEqual(await store.getAgreement(open.licenseArn), open);
        const expected = [open, a1, a2];
        assert.deepEqual(await store.findAgreements({ productCode: saas.productCode }), expected);
        assert.deepEqual(
          await store.findAgreements({
            productCode: saas.productCode,
            customerAWSAccountId: a2.customerAWSAccountId,
          }),
          [open, a2],
        );
        assert.deepEqual(
          await store.findCustomerAgreements(saas.productCode, {
            accounts: [a2.customerAWSAccountId],
            identifiers: [],
          }),
          [open, a2],
        );
        // A start given later replaces none, and none can be given again.
        const reopened = await restart();
        assert.deepEqual(
          await reopened.findAgreements({ productCode: saas.productCode }),
          expected,
        );
        await reopened.applyCatalog({ agreements: [{ ...open, startedAt: new Date(1500) }] });
        assert.deepEqual((await reopened.getAgreement(open.licenseArn))!.startedAt, new Date(1500));
        await reopened.applyCatalog({ agreements: [open] });
        assert.equal((await reopened.getAgreement(open.licenseArn))!.startedAt, null);
      });
    });

    it('deletes access keys, and keeps registration tokens', async () => {
      await withStore(async (store) => {
        await store.applyCatalog({ accounts: [seller, buyer], accessKeys: [sellerKey, buyerKey] });
        assert.deepEqual(await store.getAccessKey(buyerKey.accessKeyId), buyerKey);
        assert.equal(await store.deleteAccessKey(buyerKey.accessKeyId), true);
        assert.equal(await store.getAccessKey(buyerKey.accessKeyId), undefined);
        assert.equal(await store.deleteAccessKey(buyerKey.accessKeyId), false);
        assert.deepEqual(await store.listAccessKeys(), [sellerKey]);

        const token = {
          token: 'registration-token-1',
          productCode: saas.productCode,
          customerAWSAccountId: buyer.accountId,
          licenseArn: a1.licenseArn,
          createdAt: new Date(hour),
          expiresAt: new Date(hour + HOUR),
        };
        assert.equal(await store.getRegistrationToken(token.token), undefined);
        await store.putRegistrationToken(token);
        assert.deepEqual(await store.getRegistrationToken(token.token), token);
        assert.equal(await store.getRegistrationToken('registration-token-2'), undefined);
      });
    });

    it('deletes accounts, products and agreements with their children, and keeps usage', async () => {
      await withStore(async (store) => {
        await store.applyCatalog({
          accounts: [seller, buyer],
          accessKeys: [sellerKey, buyerKey],
          products: [saas, container],
          agreements: [a1, a2, a3],
        });
        const kept = row({ productCode: saas.productCode, licenseArn: a1.licenseArn });
        await record(store, [kept]);
        // Warm any cache, so that the reads below show what the deletes changed.
        await store.findCustomerAgreements(saas.productCode, {
          accounts: [buyer.accountId],
          identifiers: [],
        });
        await store.getAgreement(a2.licenseArn);

        await store.applyCatalog({ remove: { agreements: [a2.licenseArn] } });
        assert.equal(await store.getAgreement(a2.licenseArn), undefined);
        assert.deepEqual(await store.findAgreements({ productCode: saas.productCode }), [a1]);

        // A product takes its agreements with it; the other product's stay.
        await store.applyCatalog({ remove: { products: [saas.productCode] } });
        assert.equal(await store.getProduct(saas.productCode), undefined);
        assert.equal(await store.getAgreement(a1.licenseArn), undefined);
        assert.deepEqual(
          await store.findCustomerAgreements(saas.productCode, {
            accounts: [buyer.accountId],
            identifiers: [],
          }),
          [],
        );
        assert.deepEqual(await store.findAgreements({}), [a3]);

        // An account takes its keys with it.
        await store.applyCatalog({ remove: { accounts: [buyer.accountId] } });
        assert.equal(await store.getAccount(buyer.accountId), undefined);
        assert.equal(await store.getAccessKey(buyerKey.accessKeyId), undefined);
        assert.deepEqual(await store.listAccessKeys(), [sellerKey]);

        // An account that still sells a product stays, and so does everything else of the change.
        await assert.rejects(
          store.applyCatalog({
            remove: { agreements: [a3.licenseArn], accounts: [seller.accountId] },
          }),
        );
        assert.deepEqual(await store.getAccount(seller.accountId), seller);
        assert.deepEqual(await store.getAgreement(a3.licenseArn), a3);

        // Deletes come before upserts, children before parents, in one change.
        await store.applyCatalog({
          remove: {
            agreements: [a3.licenseArn],
            products: [container.productCode],
            accessKeys: [sellerKey.accessKeyId],
            accounts: [seller.accountId],
          },
          accounts: [buyer],
        });
        assert.deepEqual(await store.listAccounts(), [buyer]);
        assert.deepEqual(await store.listProducts(), []);
        assert.deepEqual(await store.listAccessKeys(), []);
        // Ids that do not exist are no error.
        await store.applyCatalog({ remove: { products: ['no-such-product'] } });

        // Usage is billing history: it outlives its product and agreement.
        assert.deepEqual(
          (await store.listUsage({ limit: 10 })).records.map((r) => r.meteringRecordId),
          [kept.meteringRecordId],
        );
      });
    });

    it('rotates signing keys and registers tasks once, with their event', async () => {
      await withStore(async (store, restart) => {
        const key = (version: number): SigningKey => ({
          version,
          privateKeyPem: `private-${version}`,
          publicKeyPem: `public-${version}`,
          createdAt: new Date(hour + version),
          expiresAt: null,
        });
        assert.deepEqual(await store.listSigningKeys(), []);
        await store.rotateSigningKey(key(1), new Date(hour));
        assert.deepEqual(await store.listSigningKeys(), [key(1)]);
        await store.rotateSigningKey(key(2), new Date(hour + HOUR));
        assert.deepEqual(await store.listSigningKeys(), [
          { ...key(1), expiresAt: new Date(hour + HOUR) },
          key(2),
        ]);

        assert.equal(await store.isTaskRegistered('ASIATASK', container.productCode), false);
        const registered = event('RegisterUsage', new Date(hour + 5000));
        await store.registerTask('ASIATASK', container.productCode, new Date(hour), registered);
        assert.equal(await store.isTaskRegistered('ASIATASK', container.productCode), true);
        assert.equal(await store.isTaskRegistered('ASIATASK', saas.productCode), false);
        assert.equal(await store.isTaskRegistered('ASIAOTHER', container.productCode), false);
        store = await restart();
        assert.equal(await store.isTaskRegistered('ASIATASK', container.productCode), true);
        assert.deepEqual(
          (await store.listEvents({ limit: 10 })).map((e) => e.event),
          [registered],
        );
        assert.equal((await store.listSigningKeys()).length, 2);
      });
    });

    it('deduplicates within a call, across calls and after a restart', async () => {
      await withStore(async (store, restart) => {
        const a = row();
        const b = row();
        const again = row({ dedupeKey: a.dedupeKey, quantity: 2, fingerprint: '2' });
        assert.deepEqual(await record(store, [a, b, again]), [
          [a.meteringRecordId, true],
          [b.meteringRecordId, true],
          [a.meteringRecordId, false],
        ]);
        const c = row();
        assert.deepEqual(await record(store, [row({ dedupeKey: b.dedupeKey }), c]), [
          [b.meteringRecordId, false],
          [c.meteringRecordId, true],
        ]);
        store = await restart();
        const d = row();
        assert.deepEqual(await record(store, [row({ dedupeKey: c.dedupeKey }), d]), [
          [c.meteringRecordId, false],
          [d.meteringRecordId, true],
        ]);
        assert.equal(await store.countUsage(), 4);
      });
    });

    it('returns a repeated record as the row that stood, with its fingerprint', async () => {
      await withStore(async (store, restart) => {
        const first = row({
          quantity: 5,
          fingerprint: '5',
          allocations: [{ AllocatedUsageQuantity: 5 }],
        });
        const repeat = (over: Partial<UsageRecordRow>) =>
          row({ dedupeKey: first.dedupeKey, requestId: 'request-2', ...over });
        const outcomes = (records: UsageRecordRow[]) =>
          store.recordUsage(records, (o) => ({ value: o, event: event() }));
        const within = await outcomes([first, repeat({ quantity: 6, fingerprint: '6' })]);
        assert.deepEqual(within, [
          { row: first, created: true },
          { row: stood(first), created: false },
        ]);
        const across = await outcomes([repeat({ quantity: 7, fingerprint: '7' })]);
        assert.deepEqual(across, [{ row: stood(first), created: false }]);
        store = await restart();
        const later = await outcomes([repeat({ quantity: 5, fingerprint: '5' })]);
        assert.deepEqual(later, [{ row: stood(first), created: false }]);
        assert.equal(await store.countUsage(), 1);
      });
    });

    it('keeps client tokens for ever', async () => {
      await withStore(async (store, restart) => {
        const token = row({ dedupeKey: 'token|222222222222|"t-1"', dedupeUntil: null });
        assert.deepEqual(await record(store, [token]), [[token.meteringRecordId, true]]);
        store = await restart();
        const again = row({ dedupeKey: token.dedupeKey, dedupeUntil: null, fingerprint: 'other' });
        assert.deepEqual(await record(store, [again]), [[token.meteringRecordId, false]]);
        const outcome = await store.recordUsage([again], (o) => ({ value: o, event: event() }));
        assert.deepEqual(outcome, [{ row: token, created: false }]);
        assert.equal(await store.countUsage(), 1);
      });
    });

    it('writes nothing of a call whose settle throws, and a retry creates its records', async () => {
      await withStore(async (store) => {
        const a = row();
        const token = row({ dedupeKey: 'token|222222222222|"t-2"', dedupeUntil: null });
        await assert.rejects(
          store.recordUsage([a, token], () => {
            throw new Error('settle failed');
          }),
          /settle failed/,
        );
        assert.equal(await store.countUsage(), 0);
        assert.deepEqual((await store.listUsage({ limit: 10 })).records, []);
        assert.deepEqual(await store.listEvents({ limit: 10 }), []);
        assert.deepEqual(
          await record(store, [
            row({ dedupeKey: a.dedupeKey, meteringRecordId: 'x' }),
            row({ dedupeKey: token.dedupeKey, dedupeUntil: null, meteringRecordId: 'y' }),
          ]),
          [
            ['x', true],
            ['y', true],
          ],
        );
        assert.equal(await store.countUsage(), 2);
        assert.equal((await store.listEvents({ limit: 10 })).length, 1);
      });
    });

    it('appends events and lists them by every filter, page by page', async () => {
      await withStore(async (store) => {
        const second = (s: number) => new Date(hour + s * 1000);
        const written = [
          event('MeterUsage', second(1)),
          event('BatchMeterUsage', second(2)),
          event('RegisterUsage', second(3), buyer.accountId),
          event('MeterUsage', second(4), buyer.accountId),
          event('BatchMeterUsage', second(5)),
          event('MeterUsage', second(6)),
          event('MeterUsage', second(7)),
        ];
        for (const e of written) await store.appendEvent(e);
        const stored = await store.listEvents({ limit: 100 });
        assert.deepEqual(
          stored.map((e) => e.event),
          written,
        );
        assert.ok(stored.every((e, i) => i === 0 || e.seq > stored[i - 1]!.seq));
        const cases: Array<[Omit<EventFilter, 'after' | 'limit'>, (e: AuditEvent) => boolean]> = [
          [{}, () => true],
          [{ eventName: 'MeterUsage' }, (e) => e.eventName === 'MeterUsage'],
          [
            { recipientAccountId: buyer.accountId },
            (e) => e.recipientAccountId === buyer.accountId,
          ],
          [
            { requestId: `request-${second(4).getTime()}` },
            (e) => e.requestID === `request-${second(4).getTime()}`,
          ],
          [{ startTime: second(3) }, (e) => Date.parse(e.eventTime) >= second(3).getTime()],
          [{ endTime: second(3) }, (e) => Date.parse(e.eventTime) <= second(3).getTime()],
          [
            { eventName: 'MeterUsage', startTime: second(2), endTime: second(6) },
            (e) =>
              e.eventName === 'MeterUsage' &&
              Date.parse(e.eventTime) >= second(2).getTime() &&
              Date.parse(e.eventTime) <= second(6).getTime(),
          ],
          [{ eventName: 'ResolveCustomer' }, () => false],
        ];
        for (const [filter, keep] of cases)
          for (const limit of [2, 3, 100]) {
            const found = await eventPages(store, { ...filter, limit });
            const expected = written.filter(keep);
            assert.deepEqual(found.flat(), expected, `${JSON.stringify(filter)} by ${limit}`);
            assert.ok(found.slice(0, -1).every((p) => p.length === limit));
          }
        assert.deepEqual(await store.listEvents({ limit: 100, after: stored.at(-1)!.seq }), []);
      });
    });

    it('pages reports with its cursor and filters records inside a call', async () => {
      await withStore(async (store) => {
        const written: UsageRecordRow[] = [];
        for (let call = 0; call < 7; call++) {
          const records = Array.from({ length: 5 }, (_, i) =>
            row({ dimension: i % 2 ? 'odd' : 'even', requestId: `call-${call}` }),
          );
          await record(store, records);
          written.push(...records);
        }
        const all = await pages(store, { limit: 4 });
        assert.deepEqual(
          all.flat().map((r) => r.meteringRecordId),
          written.map((r) => r.meteringRecordId),
        );
        assert.ok(all.slice(0, -1).every((p) => p.length === 4));
        const odd = await store.listUsage({ dimension: 'odd', limit: 1000 });
        assert.deepEqual(
          odd.records.map((r) => r.meteringRecordId),
          written.filter((r) => r.dimension === 'odd').map((r) => r.meteringRecordId),
        );
        assert.equal(odd.next, undefined);
        // A page of exactly the records there are is the last one.
        const exact = await store.listUsage({ limit: 35 });
        assert.equal(exact.records.length, 35);
        assert.equal(exact.next, undefined);
        const almost = await store.listUsage({ limit: 34 });
        assert.equal(almost.records.length, 34);
        assert.ok(almost.next);
        const rest = await store.listUsage({ limit: 34, after: almost.next });
        assert.deepEqual(
          rest.records.map((r) => r.meteringRecordId),
          [written.at(-1)!.meteringRecordId],
        );
        assert.equal(rest.next, undefined);
        const first = odd.records[0]!;
        const original = written.find((r) => r.meteringRecordId === first.meteringRecordId)!;
        assert.deepEqual(first, stood(original));
        assert.deepEqual(
          (await store.listUsage({ productCode: 'nothing', limit: 10 })).records,
          [],
        );
        assert.equal(await store.countUsage(), 35);
      });
    });

    it('pages usage by every filter to the last page', async () => {
      await withStore(async (store) => {
        const written: UsageRecordRow[] = [];
        const customers = ['222222222222', '333333333333'];
        for (let call = 0; call < 8; call++) {
          const operation = call % 4 === 3 ? 'MeterUsage' : 'BatchMeterUsage';
          const records = Array.from({ length: operation === 'MeterUsage' ? 1 : 5 }, (_, i) =>
            row({
              operation,
              productCode: call % 2 ? 'prod-b' : 'prod-a',
              customerAWSAccountId: customers[(call + i) % 2]!,
              dimension: i % 3 ? 'users' : 'storage_gb',
              usageTime: new Date(hour - (call % 3) * HOUR + i * 1000),
              requestId: `call-${call}`,
            }),
          );
          await record(store, records);
          written.push(...records);
        }
        const t = (h: number) => new Date(hour - h * HOUR);
        const filters: Array<Omit<UsageFilter, 'after' | 'limit'>> = [
          {},
          { productCode: 'prod-a' },
          { customerAWSAccountId: '333333333333' },
          { dimension: 'storage_gb' },
          { operation: 'MeterUsage' },
          { startTime: t(1) },
          { endTime: t(1) },
          { startTime: t(1), endTime: new Date(t(1).getTime() + 2000) },
          {
            productCode: 'prod-b',
            customerAWSAccountId: '222222222222',
            dimension: 'users',
            operation: 'BatchMeterUsage',
            startTime: t(2),
            endTime: t(-1),
          },
          { productCode: 'nothing' },
        ];
        const keeps = (f: (typeof filters)[number], r: UsageRecordRow) =>
          (!f.productCode || r.productCode === f.productCode) &&
          (!f.customerAWSAccountId || r.customerAWSAccountId === f.customerAWSAccountId) &&
          (!f.dimension || r.dimension === f.dimension) &&
          (!f.operation || r.operation === f.operation) &&
          (!f.startTime || r.usageTime >= f.startTime) &&
          (!f.endTime || r.usageTime < f.endTime);
        for (const filter of filters) {
          const expected = written.filter((r) => keeps(filter, r)).map(stood);
          for (const limit of [1, 3, 5, 100]) {
            const found = await pages(store, { ...filter, limit });
            const label = `${JSON.stringify(filter)} by ${limit}`;
            assert.deepEqual(found.flat(), expected, label);
            // A page carries a cursor only when a record follows it: no empty last page.
            const full = Math.floor(expected.length / limit);
            const rest = expected.length % limit;
            assert.deepEqual(
              found.map((p) => p.length),
              expected.length === 0 ? [0] : [...Array(full).fill(limit), ...(rest ? [rest] : [])],
              label,
            );
          }
        }
        assert.equal(await store.countUsage(), written.length);
      });
    });

    it('keeps the fault rules as one versioned set, changed atomically, across a restart', async () => {
      await withStore(async (store, restart) => {
        assert.deepEqual(await store.getFaultRules(), { version: 0, rules: [] });
        const first = await store.updateFaultRules(() => [{ operation: 'MeterUsage' }]);
        assert.deepEqual(first, { version: 1, rules: [{ operation: 'MeterUsage' }] });
        // Concurrent changes each see the one before: none is lost.
        await Promise.all(
          ['a', 'b', 'c'].map((id) => store.updateFaultRules((now) => [...now, { id }])),
        );
        const after = await store.getFaultRules();
        assert.equal(after.version, 4);
        assert.deepEqual(after.rules.map((r) => r.id ?? r.operation).sort(), [
          'MeterUsage',
          'a',
          'b',
          'c',
        ]);
        // A change that throws writes nothing.
        await assert.rejects(
          store.updateFaultRules(() => {
            throw new Error('refused');
          }),
          /refused/,
        );
        store = await restart();
        assert.deepEqual(await store.getFaultRules(), after);
      });
    });

    it('keeps the clock offset as one versioned value, changed atomically, across a restart', async () => {
      await withStore(async (store, restart) => {
        assert.deepEqual(await store.getClock(), { version: 0, offsetMs: 0 });
        assert.deepEqual(await store.updateClock(() => 3_600_000), {
          version: 1,
          offsetMs: 3_600_000,
        });
        // Concurrent advances each see the one before: none is lost.
        await Promise.all([1, 2, 3].map(() => store.updateClock((now) => now + 60_000)));
        const after = await store.getClock();
        assert.deepEqual(after, { version: 4, offsetMs: 3_780_000 });
        await assert.rejects(
          store.updateClock(() => {
            throw new Error('refused');
          }),
          /refused/,
        );
        store = await restart();
        assert.deepEqual(await store.getClock(), after);
      });
    });

    it('keeps notification targets and an outbox: written with the change, leased once, settled, kept across a restart', async () => {
      await withStore(async (store, restart) => {
        const t0 = new Date('2030-01-01T00:00:00Z');
        const target = {
          id: 'sns-1',
          type: 'sns-http' as const,
          topic: 'all' as const,
          productCode: null,
          config: { endpoint: 'http://127.0.0.1:1/' },
          state: 'pending-confirmation' as const,
          token: 'tok',
          createdAt: t0,
        };
        const message = (id: string, channel: 'sns' | 'confirmation', dueAt = t0) => ({
          messageId: id,
          targetId: 'sns-1',
          channel,
          topic: 'subscription' as const,
          productCode: 'p',
          body: { topicArn: 'arn:aws:sns:us-east-1:1:t', message: id },
          createdAt: t0,
          dueAt,
        });
        await store.applyCatalog({
          notificationTargets: [target],
          notifications: [
            message('confirm', 'confirmation'),
            message('now', 'sns'),
            message('later', 'sns', new Date(t0.getTime() + 3600_000)),
          ],
        });
        // The same message again is not a second one.
        await store.applyCatalog({ notifications: [message('now', 'sns')] });
        assert.deepEqual(await store.listNotificationTargets(), [target]);
        const claim = (owner: string, dueBy = t0, now = t0) =>
          store.claimNotifications({ owner, dueBy, now, leaseMs: 1000, limit: 10 });
        // Unconfirmed: only the confirmation; and a leased message is nobody else's.
        const [a, b] = await Promise.all([claim('a'), claim('b')]);
        assert.deepEqual(
          [...a!, ...b!].map((m) => m.messageId),
          ['confirm'],
        );
        const leased = [...a!, ...b!][0]!;
        const owner = a!.length ? 'a' : 'b';
        await store.settleNotification(leased.seq, 'someone else', { delivered: true, at: t0 });
        assert.equal((await store.listNotifications({ limit: 10 }))[0]!.status, 'pending');
        await store.settleNotification(leased.seq, owner, { delivered: true, at: t0 });
        assert.equal(await store.setNotificationTargetState('sns-1', 'confirmed'), true);
        assert.equal(await store.setNotificationTargetState('nope', 'confirmed'), false);
        const [now] = await claim('a');
        assert.equal(now!.messageId, 'now');
        await store.settleNotification(now!.seq, 'a', {
          delivered: false,
          error: 'HTTP 503',
          retryAt: new Date(t0.getTime() + 5000),
        });
        assert.deepEqual(await claim('a'), []);
        // A lease that expires lets another take the message again.
        const [retry] = await claim('a', new Date(t0.getTime() + 5000));
        assert.equal(retry!.attempts, 1);
        assert.equal(retry!.lastError, 'HTTP 503');
        const [again] = await claim(
          'b',
          new Date(t0.getTime() + 5000),
          new Date(t0.getTime() + 2000),
        );
        assert.equal(again!.messageId, 'now');
        await store.settleNotification(again!.seq, 'b', {
          delivered: false,
          error: 'gone',
          retryAt: null,
        });
        store = await restart();
        const log = await store.listNotifications({ limit: 10 });
        assert.deepEqual(
          log.map((m) => [m.messageId, m.status, m.attempts]),
          [
            ['confirm', 'delivered', 1],
            ['now', 'failed', 2],
            ['later', 'pending', 0],
          ],
        );
        assert.deepEqual(
          (await store.listNotifications({ status: 'pending', limit: 10 })).map((m) => m.messageId),
          ['later'],
        );
        assert.deepEqual(
          (await store.listNotifications({ after: log[1]!.seq, limit: 10 })).map(
            (m) => m.messageId,
          ),
          ['later'],
        );
        // Unsubscribed: what was not delivered is dropped; deleted: the log goes with it.
        await store.setNotificationTargetState('sns-1', 'unsubscribed');
        assert.equal((await store.listNotifications({ limit: 10 }))[2]!.status, 'dropped');
        await store.applyCatalog({ remove: { notificationTargets: ['sns-1'] } });
        assert.deepEqual(await store.listNotifications({ limit: 10 }), []);
        // Every instance signs with the first key stored.
        const first = await store.snsSigning(() => ({ privateKeyPem: 'k1', certificatePem: 'c1' }));
        const second = await store.snsSigning(() => ({
          privateKeyPem: 'k2',
          certificatePem: 'c2',
        }));
        assert.deepEqual(second, first);
        assert.deepEqual(first, { privateKeyPem: 'k1', certificatePem: 'c1' });
      });
    });

    describe('usage reports', () => {
      const start = Date.UTC(2026, 0, 30);
      const hours = 96; // 30 January to 3 February: days and a month boundary
      const range = { from: new Date(start), to: new Date(start + hours * HOUR) };

      it('sums 10^5 tagged records exactly, from the summary, as the records add up', async () => {
        await withStore(async (store) => {
          const records = taggedRecords(100_000, start, hours);
          for (let i = 0; i < records.length; i += 2000)
            await record(store, records.slice(i, i + 2000));
          // The same records sent again (a retry) are not stored, nor summed, again.
          await record(store, records.slice(0, 500));
          const stored = await storedRecords(store);
          assert.equal(stored.length, records.length);
          const cases = [
            {
              granularity: 'hour' as const,
              groupBy: ['product', 'customer', 'dimension'] as const,
            },
            { granularity: 'day' as const, groupBy: ['customer'] as const, tagKey: 'team' },
            { granularity: 'month' as const, groupBy: ['dimension'] as const, tagKey: 'region' },
            { granularity: 'month' as const, groupBy: [] as const },
          ];
          for (const c of cases) {
            const query = { ...range, ...c, groupBy: [...c.groupBy] };
            const found = await reportPages(store, { ...query, limit: 1000 });
            assert.deepEqual(found, reportFromRecords(stored, query), JSON.stringify(c));
          }
          // The totals are the records' own sum, past 2^31 (a sum of 32-bit quantities).
          const months = await store.reportUsage({
            ...range,
            granularity: 'month',
            groupBy: [],
            limit: 10,
          });
          const total = months.reduce((sum, r) => sum + r.quantity, 0n);
          assert.equal(
            total,
            records.reduce((sum, r) => sum + BigInt(r.quantity), 0n),
          );
          assert.ok(total > 2n ** 31n);
        });
      });

      it('answers every granularity × group × tag (a table) as the records add up', async () => {
        await withStore(async (store) => {
          const records = taggedRecords(4000, start, hours, { seed: 11, customers: 6 });
          await record(store, records);
          for (const c of REPORT_CASES) {
            const query = { ...range, ...c };
            const found = await reportPages(store, { ...query, limit: 500 });
            assert.deepEqual(found, reportFromRecords(records, query), JSON.stringify(c));
          }
        });
      });

      it('pages a report by keyset, filtered, in small pages, and cuts periods in UTC', async () => {
        await withStore(async (store) => {
          const records = taggedRecords(3000, start, hours, { customers: 4 });
          await record(store, records);
          const filters = [
            {},
            { productCode: 'prod-b' },
            { customerAWSAccountId: '100000000002', dimension: 'users' },
            { from: new Date(start + 30 * HOUR), to: new Date(start + 31 * HOUR) },
            { productCode: 'nothing' },
          ];
          for (const f of filters)
            for (const c of [
              { granularity: 'hour' as const, groupBy: ['customer' as const], tagKey: 'team' },
              { granularity: 'day' as const, groupBy: ['dimension' as const, 'product' as const] },
              { granularity: 'month' as const, groupBy: [], tagKey: 'region' },
            ]) {
              const query = { ...range, ...c, ...f };
              const expected = reportFromRecords(records, query);
              for (const limit of [1, 7])
                assert.deepEqual(await reportPages(store, { ...query, limit }), expected);
            }
          const months = await store.reportUsage({
            ...range,
            granularity: 'month',
            groupBy: [],
            limit: 10,
          });
          assert.deepEqual(
            months.map((r) => r.period.toISOString()),
            ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
          );
        });
      });

      it('counts only what a committed call stored', async () => {
        await withStore(async (store) => {
          const [a, b] = taggedRecords(2, start, 1, { seed: 7 });
          await assert.rejects(
            store.recordUsage([a!], () => {
              throw new Error('settle fails');
            }),
          );
          const report = () =>
            store.reportUsage({ ...range, granularity: 'hour', groupBy: [], limit: 10 });
          assert.deepEqual(await report(), []);
          await record(store, [a!, b!]);
          await record(store, [{ ...a!, meteringRecordId: 'another-id' }]);
          assert.deepEqual(
            await report(),
            reportFromRecords([a!, b!], { ...range, granularity: 'hour', groupBy: [] }),
          );
        });
      });

      it('fills the summary from the usage stored before it', async () => {
        const opener = await harness.fresh();
        let store = await opener.open();
        const records = taggedRecords(5000, start, hours, { seed: 3 });
        try {
          for (let i = 0; i < records.length; i += 1000)
            await record(store, records.slice(i, i + 1000));
          const before = await Promise.all(
            REPORT_CASES.map((c) => reportPages(store, { ...range, ...c, limit: 1000 })),
          );
          await store.close();
          // As a store from before the summary: opening it fills it from the usage stored.
          await opener.dropSummary();
          store = await opener.open();
          const after = await Promise.all(
            REPORT_CASES.map((c) => reportPages(store, { ...range, ...c, limit: 1000 })),
          );
          assert.deepEqual(after, before);
          assert.ok(after.every((rows) => rows.length > 0));
        } finally {
          await store.close();
        }
      });
    });

    it('answers ping, and closes', async () => {
      const opener = await harness.fresh();
      const store = await opener.open();
      await store.ping();
      await store.appendEvent(event());
      await store.close();
      const again = await opener.open();
      await again.ping();
      assert.equal((await again.listEvents({ limit: 10 })).length, 1);
      await again.close();
    });
  });
}
