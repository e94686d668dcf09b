/**
 * @module The embedded SQLite backend: one database file in WAL mode with full synchronous
 * commits, every query prepared once, and concurrent writes grouped into one transaction
 * (one fsync) per turn of the event loop.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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

  constructor(options: SqliteOptions) {
    if (options.dataDir === ':memory:') this.path = ':memory:';
    else {
      mkdirSync(options.dataDir, { recursive: true });
      this.path = join(options.dataDir, 'meterd.db');
    }
    this.db = new BetterSqlite3(this.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    for (const [name, q] of Object.entries(queries) as [QueryName, PreparedSql][])
      this.statements.set(name, this.db.prepare(q.sql));
    this.commits = new GroupCommit(this.db, options.onCommit);
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
    const r = this.get<Parameters<typeof rows.toAccessKey>[0]>('getAccessKey', { id });
    return r && rows.toAccessKey(r);
  }
  async getAccount(id: string) {
    const r = this.get<Parameters<typeof rows.toAccount>[0]>('getAccount', { id });
    return r && rows.toAccount(r);
  }
  async getProduct(id: string) {
    const r = this.get<Parameters<typeof rows.toProduct>[0]>('getProduct', { id });
    return r && rows.toProduct(r);
  }
  async getAgreement(id: string) {
    const r = this.get<Parameters<typeof rows.toAgreement>[0]>('getAgreement', { id });
    return r && rows.toAgreement(r);
  }
  async findAgreements(f: AgreementFilter) {
    const [name, values] = agreementLookup(f);
    return this.all<Parameters<typeof rows.toAgreement>[0]>(name, values).map(rows.toAgreement);
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
    this.db.transaction(() => {
      for (const [name, values] of steps) this.run(name, values);
    })();
  }
  async deleteAccessKey(id: string) {
    return this.run('deleteAccessKey', { id }).changes > 0;
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
    await this.commits.drain();
    if (this.db.open) this.db.close();
  }
}
