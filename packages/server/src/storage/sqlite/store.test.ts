/**
 * @module The embedded store's usage log on real SQLite files: deduplication within a call,
 * across calls, across a restart and under colliding key hashes; client tokens; report pages;
 * and the migration of a store that still keeps one row per record.
 */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { buildEvent } from '../../audit/event.js';
import { migrations } from '../migrations.js';
import type { UsageOutcome, UsageRecordRow } from '../store.js';
import { LiveKeys } from './live-keys.js';
import { sqliteCompiler } from './dialect.js';
import { SqliteStore } from './store.js';

const HOUR = 3_600_000;
const now = new Date();
const hour = Math.floor(now.getTime() / HOUR) * HOUR;
const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'meterd-store-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

let n = 0;
function row(over: Partial<UsageRecordRow> = {}): UsageRecordRow {
  n++;
  return {
    meteringRecordId: `id-${n}`,
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

const ctx = {
  requestId: 'request-1',
  principal: {
    accountId: '111111111111',
    accessKeyId: 'AKIATEST',
    temporary: false,
    resourceRegion: 'us-east-1',
  },
  region: 'us-east-1',
  sourceIp: '127.0.0.1',
  userAgent: 'test',
  now,
};

/** Records `records` as one call; returns (stored id, created) per record. */
async function record(store: SqliteStore, records: UsageRecordRow[]) {
  return store.recordUsage(records, (outcomes: UsageOutcome[]) => ({
    value: outcomes.map((o) => [o.row.meteringRecordId, o.created] as const),
    event: buildEvent(ctx, 'BatchMeterUsage', {}, { response: {} }),
  }));
}

describe('LiveKeys', () => {
  it('keeps keys of equal hash apart, confirmed by the caller, and forgets expired hours', () => {
    const stored = new Map<string, string>(); // "seq.index" -> key
    const keys = new LiveKeys(() => 42);
    const add = (key: string, until: number, seq: number) => {
      keys.add(key, until, { seq, index: 3 });
      stored.set(`${seq}.3`, key);
    };
    const find = (key: string, until: number) =>
      keys.find(key, until, (ref) => stored.get(`${ref.seq}.${ref.index}`) === key);
    for (let i = 1; i <= 5000; i++) add(`key-${i}`, 1000, i);
    add('other-hour', 2000, 9999);
    assert.equal(keys.size, 5001);
    assert.deepEqual(find('key-4321', 1000), { seq: 4321, index: 3 });
    assert.equal(find('key-5001', 1000), undefined);
    assert.equal(find('other-hour', 1000), undefined, 'a key is looked up in its own hour');
    keys.remove('key-4321', 1000, { seq: 4321, index: 3 });
    assert.equal(find('key-4321', 1000), undefined);
    assert.deepEqual(find('key-4322', 1000), { seq: 4322, index: 3 });
    keys.expire(1500);
    assert.equal(keys.size, 1);
    assert.equal(find('key-1', 1000), undefined);
    assert.deepEqual(find('other-hour', 2000), { seq: 9999, index: 3 });
  });

  it('finds every key while a table grows, across many growths, with removals on the way', () => {
    const keys = new LiveKeys();
    const stored = new Map<number, string>();
    const confirm = (key: string) => (ref: { seq: number }) => stored.get(ref.seq) === key;
    for (let i = 1; i <= 300_000; i++) {
      keys.add(`k-${i}`, 1000, { seq: i, index: 0 });
      stored.set(i, `k-${i}`);
      if (i % 1000 === 0) {
        keys.remove(`k-${i - 500}`, 1000, { seq: i - 500, index: 0 });
        stored.delete(i - 500);
      }
      if (i % 7919 === 0)
        for (const j of [1, Math.floor(i / 2), i - 1, i])
          assert.equal(
            keys.find(`k-${j}`, 1000, confirm(`k-${j}`))?.seq,
            stored.has(j) ? j : undefined,
            `key ${j} after ${i} adds`,
          );
    }
    assert.equal(keys.size, 300_000 - 300);
    for (let i = 1; i <= 300_000; i += 37)
      assert.equal(
        keys.find(`k-${i}`, 1000, confirm(`k-${i}`))?.seq,
        stored.has(i) ? i : undefined,
      );
  });
});

describe('SqliteStore usage log', () => {
  it('deduplicates within a call, across calls and after a restart, even when hashes collide', async () => {
    for (const dedupeHash of [undefined, () => 7]) {
      const dir = newDir();
      let store = new SqliteStore({ dataDir: dir, ...(dedupeHash ? { dedupeHash } : {}) });
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
      await store.close();

      store = new SqliteStore({ dataDir: dir, ...(dedupeHash ? { dedupeHash } : {}) });
      const d = row();
      assert.deepEqual(await record(store, [row({ dedupeKey: c.dedupeKey }), d]), [
        [c.meteringRecordId, false],
        [d.meteringRecordId, true],
      ]);
      assert.equal(await store.countUsage(), 4);
      await store.close();
    }
  });

  it('keeps client tokens for ever, in their own table', async () => {
    const dir = newDir();
    let store = new SqliteStore({ dataDir: dir });
    const token = row({ dedupeKey: 'token|222222222222|"t-1"', dedupeUntil: null });
    assert.deepEqual(await record(store, [token]), [[token.meteringRecordId, true]]);
    await store.close();
    store = new SqliteStore({ dataDir: dir });
    const again = row({ dedupeKey: token.dedupeKey, dedupeUntil: null, fingerprint: 'other' });
    assert.deepEqual(await record(store, [again]), [[token.meteringRecordId, false]]);
    await store.close();
  });

  it('forgets the keys of a call whose transaction fails', async () => {
    const store = new SqliteStore({ dataDir: newDir() });
    const a = row();
    await assert.rejects(
      store.recordUsage([a], () => {
        throw new Error('settle failed');
      }),
      /settle failed/,
    );
    assert.deepEqual(
      await record(store, [row({ dedupeKey: a.dedupeKey, meteringRecordId: 'x' })]),
      [['x', true]],
    );
    assert.equal(await store.countUsage(), 1);
    await store.close();
  });

  it('pages reports with its cursor and filters records inside a call', async () => {
    const store = new SqliteStore({ dataDir: newDir() });
    const written: UsageRecordRow[] = [];
    for (let call = 0; call < 7; call++) {
      const records = Array.from({ length: 5 }, (_, i) =>
        row({ dimension: i % 2 ? 'odd' : 'even', requestId: `call-${call}` }),
      );
      await record(store, records);
      written.push(...records);
    }
    const pages: string[][] = [];
    let after: string | undefined;
    do {
      const page = await store.listUsage({ limit: 4, ...(after ? { after } : {}) });
      pages.push(page.records.map((r) => r.meteringRecordId));
      after = page.next;
    } while (after);
    assert.deepEqual(
      pages.flat(),
      written.map((r) => r.meteringRecordId),
    );
    assert.ok(pages.slice(0, -1).every((p) => p.length === 4));
    const odd = await store.listUsage({ dimension: 'odd', limit: 1000 });
    assert.deepEqual(
      odd.records.map((r) => r.meteringRecordId),
      written.filter((r) => r.dimension === 'odd').map((r) => r.meteringRecordId),
    );
    assert.equal(odd.next, undefined);
    const first = odd.records[0]!;
    const original = written.find((r) => r.meteringRecordId === first.meteringRecordId)!;
    assert.deepEqual(first, original);
    assert.deepEqual((await store.listUsage({ productCode: 'nothing', limit: 10 })).records, []);
    await store.close();
  });

  it('serves one process at a time, and takes over the lock of a killed one', async () => {
    const dir = newDir();
    const store = new SqliteStore({ dataDir: dir });
    assert.throws(() => new SqliteStore({ dataDir: dir }), /in use by meterd process \d+/);
    await store.close();
    writeFileSync(join(dir, 'meterd.pid'), '2147483646'); // no such process
    const again = new SqliteStore({ dataDir: dir });
    assert.equal(readFileSync(join(dir, 'meterd.pid'), 'utf8'), String(process.pid));
    await again.close();
    assert.equal(existsSync(join(dir, 'meterd.pid')), false);
  });

  it('migrates a store that kept one row per record', async () => {
    const dir = newDir();
    const db = new BetterSqlite3(join(dir, 'meterd.db'));
    db.exec(
      'create table schema_migrations (version integer primary key, name text not null, applied_at bigint not null)',
    );
    for (const m of migrations.slice(0, 2)) {
      for (const statement of m.up(sqliteCompiler, 'sqlite')) {
        const c = statement.compile();
        db.prepare(c.sql).run(...(c.parameters as unknown[]));
      }
      db.prepare('insert into schema_migrations values (?, ?, ?)').run(m.version, m.name, 0);
    }
    const insert = db.prepare(
      `insert into usage_records values (@id, @key, @fp, @op, 'prod', '222222222222', 'cust',
       null, 'dim', @time, 3, @alloc, '111111111111', 'AKIATEST', 'old-request', @at)`,
    );
    const t = hour + 120_000;
    insert.run({
      id: 'old-1',
      key: `saas|${hour}|prod|222222222222|dim`,
      fp: '3',
      op: 'BatchMeterUsage',
      time: t,
      alloc: '[{"AllocatedUsageQuantity":3}]',
      at: now.getTime(),
    });
    insert.run({
      id: 'old-2',
      key: 'token|222222222222|"t-9"',
      fp: 'x',
      op: 'MeterUsage',
      time: t,
      alloc: null,
      at: now.getTime(),
    });
    db.close();

    const store = new SqliteStore({ dataDir: dir });
    const { records } = await store.listUsage({ limit: 10 });
    assert.deepEqual(
      records.map((r) => [r.meteringRecordId, r.operation, r.quantity, r.usageTime.getTime()]),
      [
        ['old-1', 'BatchMeterUsage', 3, t],
        ['old-2', 'MeterUsage', 3, t],
      ],
    );
    assert.deepEqual(records[0]!.allocations, [{ AllocatedUsageQuantity: 3 }]);
    assert.deepEqual(records[0]!.dedupeUntil, new Date(hour + 7 * HOUR));
    assert.equal(records[1]!.dedupeUntil, null);
    assert.deepEqual(
      await record(store, [
        row({ dedupeKey: `saas|${hour}|prod|222222222222|dim` }),
        row({ dedupeKey: 'token|222222222222|"t-9"', dedupeUntil: null }),
      ]),
      [
        ['old-1', false],
        ['old-2', false],
      ],
    );
    await store.close();
  });
});
