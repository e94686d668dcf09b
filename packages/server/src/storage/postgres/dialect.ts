/**
 * @module PostgreSQL's SQL: the compile-only Kysely for the PostgreSQL dialect, and the
 * statements run through node-postgres, asynchronously, each named so that every connection
 * of the pool prepares it once; an unavailable database surfaces as TransientStoreError. Its
 * mirror, sqlite/dialect.ts, runs them synchronously on one embedded connection.
 */

import {
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type Compilable,
} from 'kysely';
import type pg from 'pg';
import { bind, compileOnly } from '../prepared.js';
import { compileQueries, type QueryName } from '../queries.js';
import { transient } from './group-commit.js';

/** A Kysely that only compiles PostgreSQL SQL; execution goes through node-postgres. */
export const postgresCompiler = compileOnly({
  adapter: () => new PostgresAdapter(),
  introspector: (db) => new PostgresIntrospector(db),
  queryCompiler: () => new PostgresQueryCompiler(),
});

const queries = compileQueries(postgresCompiler);

/** The pool, or the client of a group transaction. */
export type Queryable = pg.Pool | pg.PoolClient;
type Values = Record<string, unknown>;

/** Runs the shared named queries (and built ones) on a pool or a transaction's client. */
export class Statements {
  constructor(readonly pool: pg.Pool) {}

  async query<T>(db: Queryable, name: QueryName, values: Values = {}) {
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
  async get<T>(name: QueryName, values: Values) {
    return (await this.query<T>(this.pool, name, values)).rows[0] as T | undefined;
  }
  async all<T>(name: QueryName, values: Values = {}) {
    return (await this.query<T>(this.pool, name, values)).rows as T[];
  }
  /** Runs a statement built for this call (its values inline), returning how many rows it touched. */
  async run(db: Queryable, query: Compilable) {
    const c = query.compile();
    try {
      return (await db.query(c.sql, c.parameters as unknown[])).rowCount ?? 0;
    } catch (error) {
      throw transient(error);
    }
  }
  /** Runs a query built for this call (its values inline), returning its rows. */
  async allOf<T>(query: Compilable, db: Queryable = this.pool) {
    const c = query.compile();
    try {
      return (await db.query(c.sql, c.parameters as unknown[])).rows as T[];
    } catch (error) {
      throw transient(error);
    }
  }
}
