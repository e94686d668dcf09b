/**
 * @module The embedded SQLite backend: one database file in WAL mode with full synchronous
 * commits, every query prepared once, concurrent writes grouped into one transaction (one
 * fsync) per turn of the event loop, checkpoints in a background thread, and catalog reads
 * served from memory.
 */

import {
  closeSync,
  constants,
  fdatasync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
} from 'kysely';
import type { AuditEvent } from '../../audit/event.js';
import type { Agreement, SigningKey } from '../../domain/catalog.js';
import { eventsQuery } from '../filters.js';
import { migrations } from '../migrations.js';
import { agreementLookup, catalogWrites } from '../plans.js';
import { bind, type PreparedSql } from '../prepared.js';
import { compileQueries, type QueryName } from '../queries.js';
import * as rows from '../rows.js';
import type { Database } from '../schema.js';
import type {
  AgreementFilter,
  CatalogChange,
  CommitObserver,
  EventFilter,
  Store,
  UsageFilter,
  UsageOutcome,
  UsagePage,
  UsageRecordRow,
} from '../store.js';
import { GroupCommit } from './group-commit.js';
import { LiveKeys, MAX_RECORDS_PER_BATCH, type RecordRef } from './live-keys.js';
import {
  batchesQuery,
  batchParams,
  cursorOf,
  matches,
  parseCursor,
  sameBatch,
  unpack,
  usageLogQueries,
  type BatchRow,
  type PackedRecord,
} from './usage-log.js';

/** A Kysely that only compiles SQLite SQL; execution goes through better-sqlite3. */
export const sqliteCompiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

const queries = compileQueries(sqliteCompiler);
const usageLog = usageLogQueries(sqliteCompiler);
type UsageLogQuery = keyof typeof usageLog;

/**
 * How long before its dedupe keys expire a call may have been recorded: a key's hour ends 7
 * hours before it expires, and a record may be stamped up to 5 minutes ahead of the clock.
 */
const LIVE_RECORDED_SINCE_MS = 7 * 3_600_000 + 10 * 60_000;
/** Keys are forgotten this long after they expire (a call's clock was read before it commits). */
const EXPIRY_GRACE_MS = 10 * 60_000;

/** Catalog lookups kept in memory; past this many, the cache starts over. */
const MAX_CACHED = 100_000;
/**
 * WAL frames after which a commit checkpoints in the event loop itself. The background
 * checkpointer normally keeps the WAL far shorter; this bounds it when that thread lags.
 */
const WAL_AUTOCHECKPOINT_PAGES = 16_384;
/** SQLite's page cache, in KiB: the hot index pages of a store of a million records. */
const CACHE_SIZE_KIB = 65_536;

// Copies committed WAL frames into the database file (PASSIVE: it never blocks the writer, and
// with synchronous=FULL it syncs the file before the WAL may be reused), so that the event loop
// does not spend its time checkpointing after commits.
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('synchronous = FULL');
let timer;
const tick = () => {
  let behind = false;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    behind = r.busy !== 0 || r.checkpointed < r.log;
  } catch {}
  timer = setTimeout(tick, behind ? 5 : workerData.idleMs);
};
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
tick();
`;

/**
 * Takes `meterd.pid` in the data directory: the live dedupe keys are held in this process's
 * memory, so a second process on the same database would store duplicates. A lock left by a
 * process that no longer runs (killed) is taken over. Returns its release.
 */
function lockDataDir(dir: string): () => void {
  const file = join(dir, 'meterd.pid');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder))
      throw new Error(
        `${dir} is in use by meterd process ${holder}: one meterd serves one SQLite store (several instances share PostgreSQL, --database-url)`,
      );
    rmSync(file, { force: true });
  }
  throw new Error(`could not lock ${dir} (${file})`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export interface SqliteOptions {
  /** Directory holding `meterd.db`; `:memory:` for a throw-away database. */
  dataDir: string;
  onCommit?: CommitObserver;
  /** The hash of the live dedupe keys (tests make keys collide with it). */
  dedupeHash?: (key: string) => number;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite';
  readonly path: string;
  private readonly db: BetterSqlite3.Database;
  // Prepared on first use: the shared queries include PostgreSQL's one-row-per-record usage
  // table, which this store replaces with its usage log.
  private readonly statements = new Map<
    QueryName | UsageLogQuery,
    { statement: BetterSqlite3.Statement; sql: PreparedSql }
  >();
  /** Every dedupe key that can still be presented (client tokens are in `usage_tokens`). */
  private readonly live: LiveKeys;
  private lastExpiry = 0;
  private readonly commits: GroupCommit;
  private readonly walFd: number | undefined;
  private readonly checkpointer: Worker | undefined;
  private readonly checkpointerExited: Promise<unknown> | undefined;
  private readonly unlock: () => void = () => undefined;
  // Every catalog write goes through this store, which then forgets everything it cached.
  private readonly catalog = new Map<string, unknown>();
  private readonly customers = new Map<
    string,
    { byAccount: Map<string, Agreement[]>; byIdentifier: Map<string, Agreement[]> }
  >();

  constructor(options: SqliteOptions) {
    if (options.dataDir === ':memory:') this.path = ':memory:';
    else {
      mkdirSync(options.dataDir, { recursive: true });
      this.path = join(options.dataDir, 'meterd.db');
      this.unlock = lockDataDir(options.dataDir);
    }
    this.live = new LiveKeys(options.dedupeHash);
    this.db = new BetterSqlite3(this.path);
    this.db.pragma('journal_mode = WAL');
    // On a file, commits write the log without waiting for the disk and GroupCommit flushes it
    // (fdatasync) before any acknowledgement: as durable as synchronous=FULL, off the event loop.
    this.db.pragma(this.path === ':memory:' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
    this.migrate();
    this.loadLiveKeys();
    this.walFd =
      this.path === ':memory:'
        ? undefined
        : openSync(`${this.path}-wal`, constants.O_RDONLY | constants.O_CREAT);
    const walFd = this.walFd;
    this.commits = new GroupCommit(
      this.db,
      options.onCommit,
      walFd === undefined
        ? undefined
        : () =>
            new Promise<void>((resolve, reject) =>
              fdatasync(walFd, (error) => (error ? reject(error) : resolve())),
            ),
    );
    if (this.path !== ':memory:') {
      this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      this.checkpointer = new Worker(CHECKPOINTER, {
        eval: true,
        workerData: {
          driver: createRequire(import.meta.url).resolve('better-sqlite3'),
          path: this.path,
          idleMs: 50,
        },
      });
      this.checkpointer.on('error', () => undefined); // commits still checkpoint past the bound
      this.checkpointerExited = new Promise((resolve) => this.checkpointer!.once('exit', resolve));
      this.checkpointer.unref();
    }
  }

  private forgetCatalog(): void {
    this.catalog.clear();
    this.customers.clear();
  }

  /** A catalog lookup, from memory after the first time. */
  private cached<T>(key: string, load: () => T): T {
    if (this.catalog.has(key)) return this.catalog.get(key) as T;
    const value = load();
    if (this.catalog.size >= MAX_CACHED) this.forgetCatalog();
    this.catalog.set(key, value);
    return value;
  }

  private migrate(): void {
    this.db.exec(
      'create table if not exists schema_migrations (version integer primary key, name text not null, applied_at bigint not null)',
    );
    const done = new Set(
      this.db
        .prepare('select version from schema_migrations')
        .all()
        .map((r) => (r as { version: number }).version),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      this.db.transaction(() => {
        for (const statement of m.up(sqliteCompiler, 'sqlite')) this.exec(statement);
        this.db
          .prepare('insert into schema_migrations (version, name, applied_at) values (?, ?, ?)')
          .run(m.version, m.name, Date.now());
      })();
    }
  }

  private exec(query: Compilable) {
    const c = query.compile();
    this.db.prepare(c.sql).run(...(c.parameters as unknown[]));
  }

  private prepared(name: QueryName | UsageLogQuery) {
    let p = this.statements.get(name);
    if (!p) {
      const sql = name in usageLog ? usageLog[name as UsageLogQuery] : queries[name as QueryName];
      this.statements.set(name, (p = { statement: this.db.prepare(sql.sql), sql }));
    }
    return p;
  }
  private run(name: QueryName | UsageLogQuery, values: Record<string, unknown> = {}) {
    const { statement, sql } = this.prepared(name);
    return statement.run(...bind(sql, values));
  }
  private get<T>(name: QueryName | UsageLogQuery, values: Record<string, unknown>): T | undefined {
    const { statement, sql } = this.prepared(name);
    return statement.get(...bind(sql, values)) as T | undefined;
  }
  private all<T>(name: QueryName | UsageLogQuery, values: Record<string, unknown> = {}): T[] {
    const { statement, sql } = this.prepared(name);
    return statement.all(...bind(sql, values)) as T[];
  }
  private allOf<T>(query: Compilable): T[] {
    const c = query.compile();
    return this.db.prepare(c.sql).all(...(c.parameters as unknown[])) as T[];
  }

  async getAccessKey(id: string) {
    return this.cached(`key\0${id}`, () => {
      const r = this.get<Parameters<typeof rows.toAccessKey>[0]>('getAccessKey', { id });
      return r && rows.toAccessKey(r);
    });
  }
  async getAccount(id: string) {
    const r = this.get<Parameters<typeof rows.toAccount>[0]>('getAccount', { id });
    return r && rows.toAccount(r);
  }
  async getProduct(id: string) {
    return this.cached(`product\0${id}`, () => {
      const r = this.get<Parameters<typeof rows.toProduct>[0]>('getProduct', { id });
      return r && rows.toProduct(r);
    });
  }
  async getAgreement(id: string) {
    return this.cached(`agreement\0${id}`, () => {
      const r = this.get<Parameters<typeof rows.toAgreement>[0]>('getAgreement', { id });
      return r && rows.toAgreement(r);
    });
  }
  async findAgreements(f: AgreementFilter) {
    // One customer's agreements (every metering call asks) come from the product's index.
    if (f.productCode !== undefined && f.customerIdentifier !== undefined)
      return [...(this.customersOf(f.productCode).byIdentifier.get(f.customerIdentifier) ?? [])];
    if (f.productCode !== undefined && f.customerAWSAccountId !== undefined)
      return [...(this.customersOf(f.productCode).byAccount.get(f.customerAWSAccountId) ?? [])];
    const [name, values] = agreementLookup(f);
    return this.all<Parameters<typeof rows.toAgreement>[0]>(name, values).map(rows.toAgreement);
  }
  async findCustomerAgreements(
    productCode: string,
    customers: { accounts: string[]; identifiers: string[] },
  ) {
    const product = this.customersOf(productCode);
    const found: Agreement[] = [];
    for (const a of customers.accounts) found.push(...(product.byAccount.get(a) ?? []));
    for (const i of customers.identifiers) found.push(...(product.byIdentifier.get(i) ?? []));
    return found;
  }
  /** A product's agreements by customer, read whole on the product's first metering call. */
  private customersOf(productCode: string) {
    let product = this.customers.get(productCode);
    if (!product) {
      product = { byAccount: new Map(), byIdentifier: new Map() };
      const all = this.all<Parameters<typeof rows.toAgreement>[0]>('agreementsByProduct', {
        product: productCode,
      });
      for (const agreement of all.map(rows.toAgreement)) {
        append(product.byAccount, agreement.customerAWSAccountId, agreement);
        append(product.byIdentifier, agreement.customerIdentifier, agreement);
      }
      this.customers.set(productCode, product);
    }
    return product;
  }
  async listAccounts() {
    return this.all<Parameters<typeof rows.toAccount>[0]>('listAccounts').map(rows.toAccount);
  }
  async listAccessKeys(accountId?: string) {
    type R = Parameters<typeof rows.toAccessKey>[0];
    const found =
      accountId === undefined
        ? this.all<R>('listAccessKeys')
        : this.all<R>('listAccessKeysOf', { account: accountId });
    return found.map(rows.toAccessKey);
  }
  async listProducts() {
    return this.all<Parameters<typeof rows.toProduct>[0]>('listProducts').map(rows.toProduct);
  }

  async applyCatalog(change: CatalogChange) {
    const steps = catalogWrites(change, Date.now());
    try {
      this.db.transaction(() => {
        for (const [name, values] of steps) this.run(name, values);
      })();
    } finally {
      this.forgetCatalog();
    }
  }
  async deleteAccessKey(id: string) {
    try {
      return this.run('deleteAccessKey', { id }).changes > 0;
    } finally {
      this.forgetCatalog();
    }
  }
  async putRegistrationToken(token: Parameters<Store['putRegistrationToken']>[0]) {
    await this.commits.submit(() => this.run('putToken', rows.tokenParams(token)));
  }
  async getRegistrationToken(id: string) {
    const r = this.get<Parameters<typeof rows.toToken>[0]>('getToken', { id });
    return r && rows.toToken(r);
  }

  async listSigningKeys() {
    return this.all<Parameters<typeof rows.toSigningKey>[0]>('listSigningKeys').map(
      rows.toSigningKey,
    );
  }
  async rotateSigningKey(key: SigningKey, previousExpiresAt: Date) {
    await this.commits.submit(() => {
      for (const prior of this.all<Parameters<typeof rows.toSigningKey>[0]>('listSigningKeys'))
        if (prior.expires_at === null)
          this.run('expireSigningKey', {
            version: prior.version,
            expires_at: previousExpiresAt.getTime(),
          });
      this.run('insertSigningKey', rows.signingKeyParams(key));
    });
  }
  async isTaskRegistered(key: string, product: string) {
    return this.get('getTaskRegistration', { key, product }) !== undefined;
  }
  async registerTask(key: string, product: string, at: Date, event: AuditEvent) {
    await this.commits.submit(() => {
      this.run('insertTaskRegistration', {
        access_key_id: key,
        product_code: product,
        registered_at: at.getTime(),
      });
      this.run('insertEvent', rows.eventParams(event));
    });
  }

  /** Rebuilds the live dedupe keys from the calls recorded in the last 7 hours. */
  private loadLiveKeys(): void {
    const now = Date.now();
    const since = now - LIVE_RECORDED_SINCE_MS;
    for (const b of this.prepared('liveBatches').statement.iterate(since) as Iterable<BatchRow>)
      (JSON.parse(b.records) as PackedRecord[]).forEach((p, index) => {
        if (p[2] !== null && p[2] >= now - EXPIRY_GRACE_MS)
          this.live.add(p[1], p[2], { seq: b.seq, index });
      });
  }

  /** The stored record holding `record`'s dedupe key, if any. */
  private stored(
    record: UsageRecordRow,
    batches: Map<number, { batch: BatchRow; packed: PackedRecord[] }>,
  ): UsageRecordRow | undefined {
    const read = ({ seq, index }: RecordRef) => {
      let b = batches.get(seq);
      if (!b) {
        const batch = this.get<BatchRow>('batchBySeq', { seq })!;
        b = { batch, packed: JSON.parse(batch.records) as PackedRecord[] };
        batches.set(seq, b);
      }
      return { batch: b.batch, packed: b.packed[index]! };
    };
    let ref: RecordRef | undefined;
    if (record.dedupeUntil === null) {
      const token = this.get<{ batch_seq: number; record_index: number }>('tokenByKey', {
        key: record.dedupeKey,
      });
      if (token) ref = { seq: token.batch_seq, index: token.record_index };
    } else
      ref = this.live.find(
        record.dedupeKey,
        record.dedupeUntil.getTime(),
        (candidate) => read(candidate).packed[1] === record.dedupeKey,
      );
    if (!ref) return undefined;
    const { batch, packed } = read(ref);
    return unpack(batch, packed);
  }

  recordUsage<T>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => { value: T; event: AuditEvent },
  ): Promise<T> {
    const now = Date.now();
    if (now - this.lastExpiry > 60_000) {
      this.lastExpiry = now;
      this.live.expire(now - EXPIRY_GRACE_MS);
    }
    // Keys remembered by this call, forgotten again if its transaction is rolled back.
    const added: Array<[key: string, until: number, ref: RecordRef]> = [];
    return this.commits.submit(
      () => {
        const read = new Map<number, { batch: BatchRow; packed: PackedRecord[] }>();
        const mine = new Map<string, UsageRecordRow>();
        const fresh: UsageRecordRow[][] = [];
        const outcomes = records.map((record): UsageOutcome => {
          const earlier = mine.get(record.dedupeKey) ?? this.stored(record, read);
          if (earlier) return { row: earlier, created: false };
          mine.set(record.dedupeKey, record);
          const group = fresh.find((g) => sameBatch(g[0]!, record));
          if (group) group.push(record);
          else fresh.push([record]);
          return { row: record, created: true };
        });
        for (const group of fresh)
          for (let start = 0; start < group.length; start += MAX_RECORDS_PER_BATCH) {
            const part = group.slice(start, start + MAX_RECORDS_PER_BATCH);
            const seq = Number(this.run('insertBatch', batchParams(part)).lastInsertRowid);
            part.forEach((r, index) => {
              if (r.dedupeUntil === null) this.run('insertToken', { key: r.dedupeKey, seq, index });
              else {
                const entry: [string, number, RecordRef] = [
                  r.dedupeKey,
                  r.dedupeUntil.getTime(),
                  { seq, index },
                ];
                this.live.add(...entry);
                added.push(entry);
              }
            });
          }
        const { value, event } = settle(outcomes);
        this.run('insertEvent', rows.eventParams(event));
        return value;
      },
      () => {
        for (const entry of added.splice(0)) this.live.remove(...entry);
      },
    );
  }
  async appendEvent(event: AuditEvent) {
    await this.commits.submit(() => this.run('insertEvent', rows.eventParams(event)));
  }

  async listEvents(filter: EventFilter) {
    return this.allOf<Parameters<typeof rows.toStoredEvent>[0]>(
      eventsQuery(sqliteCompiler, filter),
    ).map(rows.toStoredEvent);
  }
  async listUsage(filter: UsageFilter): Promise<UsagePage> {
    const after = parseCursor(filter.after);
    const records: UsageRecordRow[] = [];
    let from = after.seq;
    for (;;) {
      const batches = this.allOf<BatchRow>(batchesQuery(sqliteCompiler, filter, from, 256));
      for (const batch of batches) {
        const packed = JSON.parse(batch.records) as PackedRecord[];
        for (let index = 0; index < packed.length; index++) {
          if (batch.seq === after.seq && index <= after.index) continue;
          const record = unpack(batch, packed[index]!);
          if (!matches(record, filter)) continue;
          records.push(record);
          if (records.length === filter.limit) return { records, next: cursorOf(batch.seq, index) };
        }
      }
      if (batches.length < 256) return { records };
      from = batches.at(-1)!.seq + 1;
    }
  }
  async countUsage() {
    return Number(this.get<{ n: number | null }>('countUsage', {})!.n ?? 0);
  }
  async ping() {
    this.db.prepare('select 1').get();
  }
  async close() {
    this.checkpointer?.ref(); // wait for it even when nothing else keeps the process alive
    this.checkpointer?.postMessage('stop');
    await this.checkpointerExited;
    await this.commits.drain();
    if (this.db.open) this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.unlock();
  }
}
