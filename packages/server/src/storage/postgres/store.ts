/**
 * @module The PostgreSQL backend: the same queries and migrations as SQLite compiled for
 * PostgreSQL, a connection pool, and grouped write transactions. Deduplication is the unique
 * constraint on `dedupe_key` with ON CONFLICT DO NOTHING, so several meterd instances may
 * share one database.
 */

import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type Compilable,
} from 'kysely';
import pg from 'pg';
import type { AuditEvent } from '../../audit/event.js';
import type { SigningKey } from '../../domain/catalog.js';
import { customerAgreementsQuery, eventsQuery, usageQuery } from '../filters.js';
import { migrations } from '../migrations.js';
import { agreementLookup, catalogWrites } from '../plans.js';
import { bind } from '../prepared.js';
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
  UsagePage,
  UsageOutcome,
  UsageRecordRow,
} from '../store.js';
import { PgGroupCommit, transient } from './group-commit.js';

/** A Kysely that only compiles PostgreSQL SQL; execution goes through node-postgres. */
export const postgresCompiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const queries = compileQueries(postgresCompiler);

export interface PostgresOptions {
  databaseUrl: string;
  poolSize?: number;
  onCommit?: CommitObserver;
}

type Queryable = pg.Pool | pg.PoolClient;
type R<F extends (r: never) => unknown> = Parameters<F>[0];

export class PostgresStore implements Store {
  readonly dialect = 'postgres';
  private readonly pool: pg.Pool;
  private readonly commits: PgGroupCommit;

  private constructor(options: PostgresOptions) {
    this.pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    this.pool.on('error', () => undefined); // idle client errors surface on the next query
    this.commits = new PgGroupCommit(this.pool, options.onCommit);
  }

  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.migrate();
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  /** Applies pending migrations under an advisory lock, so instances starting together agree. */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("select pg_advisory_xact_lock(hashtext('meterd-migrations'))");
      await client.query(
        'create table if not exists schema_migrations (version integer primary key, name text not null, applied_at bigint not null)',
      );
      const done = new Set(
        (await client.query<{ version: number }>('select version from schema_migrations')).rows.map(
          (r) => r.version,
        ),
      );
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        for (const statement of m.up(postgresCompiler, 'postgres')) {
          const c = statement.compile();
          await client.query(c.sql, c.parameters as unknown[]);
        }
        await client.query(
          'insert into schema_migrations (version, name, applied_at) values ($1, $2, $3)',
          [m.version, m.name, Date.now()],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async q<T>(db: Queryable, name: QueryName, values: Record<string, unknown> = {}) {
    try {
      return await db.query<T & pg.QueryResultRow>({
        name,
        text: queries[name].sql,
        values: bind(queries[name], values),
      });
    } catch (error) {
      throw transient(error);
    }
  }
  private async get<T>(name: QueryName, values: Record<string, unknown>) {
    return (await this.q<T>(this.pool, name, values)).rows[0] as T | undefined;
  }
  private async all<T>(name: QueryName, values: Record<string, unknown> = {}) {
    return (await this.q<T>(this.pool, name, values)).rows as T[];
  }
  private async allOf<T>(query: Compilable) {
    const c = query.compile();
    return (await this.pool.query(c.sql, c.parameters as unknown[])).rows as T[];
  }

  async getAccessKey(id: string) {
    const r = await this.get<R<typeof rows.toAccessKey>>('getAccessKey', { id });
    return r && rows.toAccessKey(r);
  }
  async getAccount(id: string) {
    const r = await this.get<R<typeof rows.toAccount>>('getAccount', { id });
    return r && rows.toAccount(r);
  }
  async getProduct(id: string) {
    const r = await this.get<R<typeof rows.toProduct>>('getProduct', { id });
    return r && rows.toProduct(r);
  }
  async getAgreement(id: string) {
    const r = await this.get<R<typeof rows.toAgreement>>('getAgreement', { id });
    return r && rows.toAgreement(r);
  }
  async findAgreements(f: AgreementFilter) {
    const [name, values] = agreementLookup(f);
    return (await this.all<R<typeof rows.toAgreement>>(name, values)).map(rows.toAgreement);
  }
  async findCustomerAgreements(
    productCode: string,
    customers: { accounts: string[]; identifiers: string[] },
  ) {
    if (customers.accounts.length === 0 && customers.identifiers.length === 0) return [];
    const query = customerAgreementsQuery(
      postgresCompiler,
      productCode,
      customers.accounts,
      customers.identifiers,
    );
    return (await this.allOf<R<typeof rows.toAgreement>>(query)).map(rows.toAgreement);
  }
  async listAccounts() {
    return (await this.all<R<typeof rows.toAccount>>('listAccounts')).map(rows.toAccount);
  }
  async listAccessKeys(accountId?: string) {
    const found =
      accountId === undefined
        ? await this.all<R<typeof rows.toAccessKey>>('listAccessKeys')
        : await this.all<R<typeof rows.toAccessKey>>('listAccessKeysOf', { account: accountId });
    return found.map(rows.toAccessKey);
  }
  async listProducts() {
    return (await this.all<R<typeof rows.toProduct>>('listProducts')).map(rows.toProduct);
  }

  async applyCatalog(change: CatalogChange) {
    const steps = catalogWrites(change, Date.now());
    await this.commits.submit(async (client) => {
      for (const [name, values] of steps) await this.q(client, name, values);
    });
  }
  async deleteAccessKey(id: string) {
    return ((await this.q(this.pool, 'deleteAccessKey', { id })).rowCount ?? 0) > 0;
  }
  async putRegistrationToken(token: Parameters<Store['putRegistrationToken']>[0]) {
    await this.commits.submit((client) => this.q(client, 'putToken', rows.tokenParams(token)));
  }
  async getRegistrationToken(id: string) {
    const r = await this.get<R<typeof rows.toToken>>('getToken', { id });
    return r && rows.toToken(r);
  }

  async listSigningKeys() {
    return (await this.all<R<typeof rows.toSigningKey>>('listSigningKeys')).map(rows.toSigningKey);
  }
  async rotateSigningKey(key: SigningKey, previousExpiresAt: Date) {
    await this.commits.submit(async (client) => {
      await client.query('lock table signing_keys in exclusive mode');
      const prior = (await this.q<R<typeof rows.toSigningKey>>(client, 'listSigningKeys')).rows;
      for (const p of prior)
        if (p.expires_at === null)
          await this.q(client, 'expireSigningKey', {
            version: p.version,
            expires_at: previousExpiresAt.getTime(),
          });
      const version = Math.max(key.version, ...prior.map((p) => Number(p.version) + 1));
      await this.q(client, 'insertSigningKey', rows.signingKeyParams({ ...key, version }));
    });
  }
  async isTaskRegistered(key: string, product: string) {
    return (await this.get('getTaskRegistration', { key, product })) !== undefined;
  }
  async registerTask(key: string, product: string, at: Date, event: AuditEvent) {
    await this.commits.submit(async (client) => {
      await this.q(client, 'insertTaskRegistration', {
        access_key_id: key,
        product_code: product,
        registered_at: at.getTime(),
      });
      await this.q(client, 'insertEvent', rows.eventParams(event));
    });
  }

  recordUsage<T>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => { value: T; event: AuditEvent },
  ): Promise<T> {
    // One multi-row insert in key order (so that concurrent transactions lock keys in the same
    // order and cannot deadlock), then one read of the rows that already stood.
    const sorted = [...records].sort((a, b) =>
      a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0,
    );
    return this.commits.submit(async (client) => {
      const created = new Set<string>();
      if (sorted.length > 0) {
        const insert = postgresCompiler
          .insertInto('usage_records')
          .values(sorted.map(rows.usageParams))
          .onConflict((oc) => oc.column('dedupe_key').doNothing())
          .returning('metering_record_id')
          .compile();
        const inserted = await client.query<{ metering_record_id: string }>(
          insert.sql,
          insert.parameters as unknown[],
        );
        for (const r of inserted.rows) created.add(r.metering_record_id);
      }
      const missing = [
        ...new Set(records.filter((r) => !created.has(r.meteringRecordId)).map((r) => r.dedupeKey)),
      ];
      const existing = new Map<string, UsageRecordRow>();
      if (missing.length > 0) {
        const select = postgresCompiler
          .selectFrom('usage_records')
          .selectAll()
          .where('dedupe_key', 'in', missing)
          .compile();
        for (const r of (await client.query(select.sql, select.parameters as unknown[])).rows) {
          const row = rows.toUsage(r as R<typeof rows.toUsage>);
          existing.set(row.dedupeKey, row);
        }
      }
      const outcomes = records.map((record): UsageOutcome =>
        created.has(record.meteringRecordId)
          ? { row: record, created: true }
          : { row: existing.get(record.dedupeKey)!, created: false },
      );
      const { value, event } = settle(outcomes);
      await this.q(client, 'insertEvent', rows.eventParams(event));
      return value;
    });
  }
  async appendEvent(event: AuditEvent) {
    await this.commits.submit((client) => this.q(client, 'insertEvent', rows.eventParams(event)));
  }

  async listEvents(filter: EventFilter) {
    return (
      await this.allOf<R<typeof rows.toStoredEvent>>(eventsQuery(postgresCompiler, filter))
    ).map(rows.toStoredEvent);
  }
  async listUsage(filter: UsageFilter): Promise<UsagePage> {
    const records = (
      await this.allOf<R<typeof rows.toUsage>>(usageQuery(postgresCompiler, filter))
    ).map(rows.toUsage);
    // Ordered by metering record id: the last one is where the next page starts.
    return records.length === filter.limit
      ? { records, next: records.at(-1)!.meteringRecordId }
      : { records };
  }
  async countUsage() {
    return Number((await this.get<{ n: string }>('countUsage', {}))!.n);
  }
  async ping() {
    await this.pool.query('select 1');
  }
  async close() {
    await this.commits.drain();
    await this.pool.end();
  }
}
