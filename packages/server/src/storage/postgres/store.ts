/**
 * @module The PostgreSQL backend, which several meterd instances may share. Usage is one row
 * per record, deduplicated by the unique constraint on `dedupe_key` with ON CONFLICT DO
 * NOTHING (usage.ts); concurrent writes share a transaction, each in a savepoint of its own
 * (group-commit.ts); catalog reads go to the database (catalog.ts); migrations run under an
 * advisory lock (migrate.ts). This file opens the pool and composes those parts. Its mirror,
 * sqlite/store.ts, is owned by one process and keeps live keys and the catalog in memory.
 */

import pg from 'pg';
import type { EventToStore } from '../../audit/call.js';
import { StoreOfParts } from '../parts.js';
import { eventsQuery } from '../queries.js';
import * as rows from '../rows.js';
import { WriteHealth } from '../health.js';
import type { EventFilter, Store, StoreObservers } from '../store.js';
import { PostgresCatalog } from './catalog.js';
import { PostgresFaults } from './faults.js';
import { PostgresNotifications } from './notifications.js';
import { PostgresClock } from './clock.js';
import { postgresCompiler, Statements } from './dialect.js';
import { PgGroupCommit } from './group-commit.js';
import { migrate } from './migrate.js';
import { PostgresUsage } from './usage.js';

/** How long the database may take before a call is answered as a transient failure. */
export interface PostgresTimeouts {
  /**
   * Milliseconds a statement may run: the server cancels it (statement_timeout), and the client
   * gives up on an answer that does not come (a stalled network) one second later. 0: none.
   */
  statementTimeoutMs: number;
  /** Milliseconds to get a connection, from the pool or a new one. 0: none. */
  connectTimeoutMs: number;
}

/**
 * Defaults that bound a call during an outage (a stalled network answers nothing) while
 * leaving a busy but healthy database room to answer.
 */
export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  statementTimeoutMs: 5000,
  connectTimeoutMs: 5000,
};

// Beyond the statement timeout, the client waits this long for the server's own cancel.
const READ_TIMEOUT_MARGIN_MS = 1000;
// Idle connections are closed after this long; TCP keepalive finds dead ones in between.
const IDLE_TIMEOUT_MS = 30_000;

export interface PostgresOptions extends StoreObservers, Partial<PostgresTimeouts> {
  databaseUrl: string;
  poolSize?: number;
  /** How often the catalog's version is read again (ms): the bound on seeing another instance's catalog change. */
  catalogRefreshMs?: number;
}

export class PostgresStore extends StoreOfParts implements Store {
  readonly dialect = 'postgres';
  private readonly pool: pg.Pool;
  private readonly sql: Statements;
  private readonly commits: PgGroupCommit;
  private readonly health: WriteHealth;
  protected readonly catalog: PostgresCatalog;
  protected readonly usage: PostgresUsage;
  protected readonly faults: PostgresFaults;
  protected readonly notifications: PostgresNotifications;
  protected readonly clock: PostgresClock;

  private constructor(options: PostgresOptions) {
    super();
    const statementTimeoutMs =
      options.statementTimeoutMs ?? DEFAULT_POSTGRES_TIMEOUTS.statementTimeoutMs;
    this.pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis:
        options.connectTimeoutMs ?? DEFAULT_POSTGRES_TIMEOUTS.connectTimeoutMs,
      ...(statementTimeoutMs > 0
        ? {
            statement_timeout: statementTimeoutMs,
            query_timeout: statementTimeoutMs + READ_TIMEOUT_MARGIN_MS,
          }
        : {}),
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      keepAlive: true,
    });
    // A connection's errors surface on the query it serves, or on the next one: the event
    // itself, unhandled, would end the process (the pool listens only while a client is idle).
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.sql = new Statements(this.pool);
    this.health = new WriteHealth(options.onWriteHealth);
    this.commits = new PgGroupCommit(this.pool, this.health, options.onCommit);
    this.notifications = new PostgresNotifications(this.pool, this.commits);
    this.catalog = new PostgresCatalog(
      this.sql,
      this.commits,
      (client, change) => this.notifications.write(client, change),
      options.catalogRefreshMs,
    );
    this.usage = new PostgresUsage(this.sql, this.commits);
    this.faults = new PostgresFaults(this.pool, this.commits);
    this.clock = new PostgresClock(this.pool, this.commits);
  }

  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await migrate(store.pool);
      await store.catalog.start();
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  async appendEvent(event: EventToStore) {
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
    this.catalog.stop();
    await this.commits.drain();
    await this.pool.end();
  }
}
