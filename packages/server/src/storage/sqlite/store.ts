/**
 * @module The embedded SQLite backend: one database file in WAL mode with full synchronous
 * commits, every query prepared once, concurrent writes grouped into one transaction (one
 * fsync) per turn of the event loop, checkpoints in a background thread, and catalog reads
 * served from memory.
 */

import { closeSync, constants, fdatasync, mkdirSync, openSync } from 'node:fs';
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
import type { SigningKey } from '../../catalog/types.js';
import { eventsQuery, usageQuery } from '../filters.js';
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
  UsageRecordRow,
} from '../store.js';
import { GroupCommit } from './group-commit.js';

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

export interface SqliteOptions {
  /** Directory holding `meterd.db`; `:memory:` for a throw-away database. */
  dataDir: string;
  onCommit?: CommitObserver;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite';
  readonly path: string;
  private readonly db: BetterSqlite3.Database;
  private readonly statements = new Map<QueryName, BetterSqlite3.Statement>();
  private readonly commits: GroupCommit;
  private readonly walFd: number | undefined;
  private readonly checkpointer: Worker | undefined;
  private readonly checkpointerExited: Promise<unknown> | undefined;
  // Every catalog write goes through this store, which then forgets everything it cached.
  private readonly catalog = new Map<string, unknown>();

  constructor(options: SqliteOptions) {
    if (options.dataDir === ':memory:') this.path = ':memory:';
    else {
      mkdirSync(options.dataDir, { recursive: true });
      this.path = join(options.dataDir, 'meterd.db');
    }
    this.db = new BetterSqlite3(this.path);
    this.db.pragma('journal_mode = WAL');
    // On a file, commits write the log without waiting for the disk and GroupCommit flushes it
    // (fdatasync) before any acknowledgement: as durable as synchronous=FULL, off the event loop.
    this.db.pragma(this.path === ':memory:' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`cache_size = -${CACHE_SIZE_KIB}`);
    this.migrate();
    for (const [name, q] of Object.entries(queries) as [QueryName, PreparedSql][])
      this.statements.set(name, this.db.prepare(q.sql));
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

  /** A catalog lookup, from memory after the first time. */
  private cached<T>(key: string, load: () => T): T {
    if (this.catalog.has(key)) return this.catalog.get(key) as T;
    const value = load();
    if (this.catalog.size >= MAX_CACHED) this.catalog.clear();
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

  private run(name: QueryName, values: Record<string, unknown> = {}) {
    return this.statements.get(name)!.run(...bind(queries[name], values));
  }
  private get<T>(name: QueryName, values: Record<string, unknown>): T | undefined {
    return this.statements.get(name)!.get(...bind(queries[name], values)) as T | undefined;
  }
  private all<T>(name: QueryName, values: Record<string, unknown> = {}): T[] {
    return this.statements.get(name)!.all(...bind(queries[name], values)) as T[];
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
    const [name, values] = agreementLookup(f);
    const load = () =>
      this.all<Parameters<typeof rows.toAgreement>[0]>(name, values).map(rows.toAgreement);
    // One customer's agreements (every metering call asks) are cached; listings are not.
    if (name !== 'agreementsByIdentifier' && name !== 'agreementsByCustomer') return load();
    return [
      ...this.cached(`${name}\0${values.product}\0${values.identifier ?? values.customer}`, load),
    ];
  }
  async findCustomerAgreements(
    productCode: string,
    customers: { accounts: string[]; identifiers: string[] },
  ) {
    // Each customer's agreements come from the catalog cache.
    const found = await Promise.all([
      ...customers.accounts.map((a) =>
        this.findAgreements({ productCode, customerAWSAccountId: a }),
      ),
      ...customers.identifiers.map((i) =>
        this.findAgreements({ productCode, customerIdentifier: i }),
      ),
    ]);
    return found.flat();
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
      this.catalog.clear();
    }
  }
  async deleteAccessKey(id: string) {
    try {
      return this.run('deleteAccessKey', { id }).changes > 0;
    } finally {
      this.catalog.clear();
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

  recordUsage<T>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => { value: T; event: AuditEvent },
  ): Promise<T> {
    return this.commits.submit(() => {
      const outcomes = records.map((record): UsageOutcome => {
        if (this.run('insertUsage', rows.usageParams(record)).changes > 0)
          return { row: record, created: true };
        const existing = this.get<Parameters<typeof rows.toUsage>[0]>('usageByKey', {
          key: record.dedupeKey,
        })!;
        return { row: rows.toUsage(existing), created: false };
      });
      const { value, event } = settle(outcomes);
      this.run('insertEvent', rows.eventParams(event));
      return value;
    });
  }
  async appendEvent(event: AuditEvent) {
    await this.commits.submit(() => this.run('insertEvent', rows.eventParams(event)));
  }

  async listEvents(filter: EventFilter) {
    return this.allOf<Parameters<typeof rows.toStoredEvent>[0]>(
      eventsQuery(sqliteCompiler, filter),
    ).map(rows.toStoredEvent);
  }
  async listUsage(filter: UsageFilter) {
    return this.allOf<Parameters<typeof rows.toUsage>[0]>(usageQuery(sqliteCompiler, filter)).map(
      rows.toUsage,
    );
  }
  async countUsage() {
    return Number(this.get<{ n: number }>('countUsage', {})!.n);
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
  }
}
