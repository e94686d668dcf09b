/**
 * @module The PostgreSQL backend, which several meterd instances may share. Usage is one row
 * per record, deduplicated by the unique constraint on `dedupe_key` with ON CONFLICT DO
 * NOTHING (usage.ts); concurrent writes share a transaction, each in a savepoint of its own
 * (group-commit.ts); catalog reads go to the database (catalog.ts); migrations run under an
 * advisory lock (migrate.ts). This file opens the pool and composes those parts. Its mirror,
 * sqlite/store.ts, is owned by one process and keeps live keys and the catalog in memory.
 */

import pg from 'pg';
import type { AuditEvent } from '../../audit/event.js';
import { StoreOfParts } from '../parts.js';
import { eventsQuery } from '../queries.js';
import * as rows from '../rows.js';
import { WriteHealth } from '../health.js';
import type { EventFilter, Store, StoreObservers } from '../store.js';
import { PostgresCatalog } from './catalog.js';
import { postgresCompiler, Statements } from './dialect.js';
import { PgGroupCommit } from './group-commit.js';
import { migrate } from './migrate.js';
import { PostgresUsage } from './usage.js';

export interface PostgresOptions extends StoreObservers {
  databaseUrl: string;
  poolSize?: number;
}

export class PostgresStore extends StoreOfParts implements Store {
  readonly dialect = 'postgres';
  private readonly pool: pg.Pool;
  private readonly sql: Statements;
  private readonly commits: PgGroupCommit;
  private readonly health: WriteHealth;
  protected readonly catalog: PostgresCatalog;
  protected readonly usage: PostgresUsage;

  private constructor(options: PostgresOptions) {
    super();
    this.pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    this.pool.on('error', () => undefined); // idle client errors surface on the next query
    this.sql = new Statements(this.pool);
    this.health = new WriteHealth(options.onWriteHealth);
    this.commits = new PgGroupCommit(this.pool, this.health, options.onCommit);
    this.catalog = new PostgresCatalog(this.sql, this.commits);
    this.usage = new PostgresUsage(this.sql, this.commits);
  }

  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await migrate(store.pool);
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  async appendEvent(event: AuditEvent) {
    await this.commits.submit((client) =>
      this.sql.query(client, 'insertEvent', rows.eventParams(event)),
    );
  }
  async listEvents(filter: EventFilter) {
    const found = await this.sql.allOf<rows.Row<'audit_events'>>(
      eventsQuery(postgresCompiler, filter),
    );
    return found.map(rows.toStoredEvent);
  }
  async ping() {
    await this.pool.query('select 1');
  }
  writeStatus() {
    return this.health.status;
  }
  async close() {
    await this.commits.drain();
    await this.pool.end();
  }
}
