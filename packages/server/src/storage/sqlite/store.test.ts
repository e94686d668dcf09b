/**
 * @module What only the SQLite backend has, on real files (the contract both backends keep is
 * in ../store.test.ts): the live-key hash table, deduplication when every key hashes alike,
 * the data-directory lock, the checkpointer thread, and the migration of a store that still
 * keeps one row per record.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { buildEvent } from '../../audit/event.js';
import { migrations } from '../migrations.js';
import type { UsageOutcome, UsageRecordRow } from '../store.js';
import { Checkpointer } from './checkpointer.js';
import { LiveKeys } from './live-keys.js';
import { sqliteCompiler } from './dialect.js';
import { SqliteStore } from './store.js';
import { unpack, type BatchRow } from './usage-log.js';

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

/** The columns every record of these tests shares, as one batch of the usage log holds them. */
const call: Omit<BatchRow, 'records'> = {
  seq: 0,
  operation: 'BatchMeterUsage',
  product_code: 'prod',
  caller_account_id: '111111111111',
  caller_access_key_id: 'AKIATEST',
  request_id: 'request-1',
  recorded_at: now.getTime(),
  first_usage_time: hour,
  last_usage_time: hour,
  record_count: 1,
};
let n = 0;
/** A record of `call` under `key` (a new one by default), live for its hour unless `until`. */
function row(key?: string, until: number | null = hour + 7 * HOUR, fingerprint = '1') {
  n++;
  const customer = String(100000000000 + n);
  const dedupeKey = key ?? `saas|${hour}|prod|${customer}|dim`;
  return unpack(call, [
    `id-${n}`,
    dedupeKey,
    until,
    fingerprint,
    customer,
    `cust-${n}`,
    null,
    'dim',
    hour + 60_000,
    1,
    null,
  ]);
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

describe('SqliteStore', () => {
  it('deduplicates within a call, across calls and after a restart when every key hashes alike', async () => {
    const dir = newDir();
    const open = () => new SqliteStore({ dataDir: dir, dedupeHash: () => 7 });
    let store = open();
    const [a, b, c, d] = [row(), row(), row(), row()];
    const same = (r: UsageRecordRow) => row(r.dedupeKey, hour + 7 * HOUR, '2');
    // Each call, then (stored id, created) per record; null restarts the store.
    const calls: Array<[UsageRecordRow[], Array<[string, boolean]>] | null> = [
      [
        [a, b, same(a)],
        [
          [a.meteringRecordId, true],
          [b.meteringRecordId, true],
          [a.meteringRecordId, false],
        ],
      ],
      [
        [same(b), c],
        [
          [b.meteringRecordId, false],
          [c.meteringRecordId, true],
        ],
      ],
      null,
      [
        [same(c), d],
        [
          [c.meteringRecordId, false],
          [d.meteringRecordId, true],
        ],
      ],
    ];
    for (const call of calls)
      if (call === null) {
        await store.close();
        store = open();
      } else assert.deepEqual(await record(store, call[0]), call[1]);
    assert.equal(await store.countUsage(), 4);
    await store.close();
  });

  it('serves one process at a time, and takes over the lock of a killed one', async () => {
    const dir = newDir();
    const store = new SqliteStore({ dataDir: dir });
    const files = readdirSync(dir);
    assert.throws(
      () => new SqliteStore({ dataDir: dir, lockWaitMs: 0 }),
      new RegExp(`${dir} is in use by meterd process ${process.pid}`),
    );
    assert.deepEqual(readdirSync(dir), files, 'a refused start leaves nothing behind');
    await store.close();
    // An earlier version's lock, naming a process that runs (this one): stale, and removed.
    writeFileSync(join(dir, 'meterd.pid'), String(process.pid));
    const again = new SqliteStore({ dataDir: dir });
    assert.equal(existsSync(join(dir, 'meterd.pid')), false);
    await again.close();
    // A refused start leaves the lock free for the next one.
    const third = new SqliteStore({ dataDir: dir });
    await third.close();
  });

  describe('a killed holder frees the data directory at once', () => {
    const locker = join(newDir(), 'locker.mts');
    writeFileSync(
      locker,
      [
        `import { SqliteStore } from ${JSON.stringify(pathToFileURL(fileURLToPath(new URL('./store.js', import.meta.url).href.replace(/\.js$/, '.ts'))).href)};`,
        `const [dir, mode, wait] = process.argv.slice(2);`,
        `try {`,
        `  const store = new SqliteStore({ dataDir: dir, lockWaitMs: Number(wait) });`,
        `  console.log('locked by', process.pid);`,
        `  if (mode === 'hold') setInterval(() => undefined, 1000);`,
        `  else await store.close();`,
        `} catch (error) { console.log(error.message); process.exit(1); }`,
      ].join('\n'),
    );
    const cwd = fileURLToPath(new URL('../../..', import.meta.url));
    const node = (args: string[], inNamespace: boolean) =>
      inNamespace
        ? (['unshare', ['--pid', '--fork', '--mount-proc', process.execPath, ...args]] as const)
        : ([process.execPath, args] as const);
    const namespaces =
      spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

    for (const inNamespace of [false, true])
      it(
        inNamespace
          ? 'in a PID namespace, where the holder and the next process are both PID 1'
          : 'killed with its process group and not yet reaped',
        {
          skip: inNamespace && !namespaces && 'unshare --pid is unavailable or not permitted here',
        },
        async () => {
          const dir = newDir();
          const [command, args] = node(['--import', 'tsx', locker, dir, 'hold', '0'], inNamespace);
          const holder = spawn(command, args, {
            cwd,
            detached: true,
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          try {
            let out = '';
            holder.stdout.on('data', (d: Buffer) => (out += d.toString()));
            for (
              let w = 0;
              !out.includes('locked by') && holder.exitCode === null && w < 20_000;
              w += 20
            )
              await sleep(20);
            const held = /locked by (\d+)/.exec(out);
            assert.ok(held, out);
            const take = (wait: number) => {
              const [command, args] = node(
                ['--import', 'tsx', locker, dir, 'take', String(wait)],
                inNamespace,
              );
              return spawnSync(command, args, { cwd, encoding: 'utf8' });
            };
            const refused = take(0);
            assert.equal(refused.status, 1, refused.stdout + refused.stderr);
            // From another PID namespace the holder may not be named, only found out.
            assert.match(
              refused.stdout,
              new RegExp(
                `${dir} is in use by ${inNamespace ? '(another meterd process|meterd process \\d+)' : `meterd process ${held[1]}`}`,
              ),
            );
            // SIGKILL to the group and a restart at once: the holder is dying or unreaped.
            process.kill(-holder.pid!, 'SIGKILL');
            const started = Date.now();
            // The lock is the file's lock, not a file: the killed holder left nothing to clean.
            assert.deepEqual(
              readdirSync(dir).filter((f) => f.startsWith('meterd.lock')),
              ['meterd.lock'],
            );
            const next = take(5000);
            assert.equal(next.status, 0, next.stdout + next.stderr);
            assert.match(next.stdout, inNamespace ? /locked by 1\n/ : /locked by \d+\n/);
            console.log(
              `taken ${Date.now() - started} ms after the SIGKILL, the start-up of its process included`,
            );
          } finally {
            if (holder.exitCode === null && holder.signalCode === null) {
              try {
                process.kill(-holder.pid!, 'SIGKILL');
              } catch {
                // gone
              }
            }
          }
        },
      );
  });

  it('checkpoints the WAL in its thread, run from sources and from dist/', async () => {
    const built = fileURLToPath(
      new URL('../../../dist/storage/sqlite/checkpointer.js', import.meta.url),
    );
    const modules: Array<[string, typeof Checkpointer]> = [['sources', Checkpointer]];
    if (existsSync(built))
      modules.push([
        'dist',
        ((await import(pathToFileURL(built).href)) as { Checkpointer: typeof Checkpointer })
          .Checkpointer,
      ]);
    else console.log(`# ${built} is not built: checked from sources only`);
    for (const [from, Start] of modules) {
      const path = join(newDir(), 'meterd.db');
      const db = new BetterSqlite3(path);
      db.pragma('journal_mode = WAL');
      db.exec('create table t (b blob)');
      const checkpointer = new Start(db, path);
      db.pragma('wal_autocheckpoint = 0'); // only the thread copies the log into the file
      db.prepare('insert into t values (?)').run(Buffer.alloc(1 << 21));
      const started = Date.now();
      while (statSync(path).size < 1 << 21 && Date.now() - started < 20_000) await sleep(20);
      assert.ok(statSync(path).size >= 1 << 21, `checkpointed from ${from}`);
      await checkpointer.stop();
      db.close();
    }
  });

  it('migrates agreements to an optional start, keeping the starts they had', async () => {
    const dir = newDir();
    const db = new BetterSqlite3(join(dir, 'meterd.db'));
    db.exec(
      'create table schema_migrations (version integer primary key, name text not null, applied_at bigint not null)',
    );
    for (const m of migrations.filter((m) => m.version <= 3)) {
      for (const statement of m.up(sqliteCompiler, 'sqlite')) {
        const c = statement.compile();
        db.prepare(c.sql).run(...(c.parameters as unknown[]));
      }
      db.prepare('insert into schema_migrations values (?, ?, ?)').run(m.version, m.name, 0);
    }
    db.exec(`insert into accounts values ('111111111111', 'seller', 0);
      insert into products values ('prod', '111111111111', 'saas', '["dim"]', null, 'hourly', 0, null);
      insert into agreements values ('arn:old', 'prod', '222222222222', 'cust', 'active', 1000, null, 0);`);
    db.close();

    const store = new SqliteStore({ dataDir: dir });
    assert.deepEqual(await store.getAgreement('arn:old'), {
      licenseArn: 'arn:old',
      productCode: 'prod',
      customerAWSAccountId: '222222222222',
      customerIdentifier: 'cust',
      status: 'active',
      startedAt: new Date(1000),
      endedAt: null,
      entitlements: [],
    });
    const open = {
      ...(await store.getAgreement('arn:old'))!,
      licenseArn: 'arn:new',
      startedAt: null,
    };
    await store.applyCatalog({ agreements: [open] });
    assert.deepEqual(
      (
        await store.findAgreements({ productCode: 'prod', customerAWSAccountId: '222222222222' })
      ).map((a) => a.licenseArn),
      ['arn:new', 'arn:old'],
    );
    await store.close();
    const check = new BetterSqlite3(join(dir, 'meterd.db'), { readonly: true });
    const indexes = check
      .prepare(
        "select name from sqlite_master where type = 'index' and tbl_name = 'agreements' and sql is not null order by name",
      )
      .all();
    const keys = check.prepare('pragma foreign_key_list(agreements)').all() as Array<{
      table: string;
    }>;
    check.close();
    assert.deepEqual(indexes, [{ name: 'agreements_customer' }, { name: 'agreements_identifier' }]);
    assert.deepEqual(
      keys.map((k) => k.table),
      ['products'],
    );
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
        row(`saas|${hour}|prod|222222222222|dim`),
        row('token|222222222222|"t-9"', null),
      ]),
      [
        ['old-1', false],
        ['old-2', false],
      ],
    );
    await store.close();
  });
});
