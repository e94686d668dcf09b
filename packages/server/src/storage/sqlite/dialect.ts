/**
 * @module SQLite's SQL: the compile-only Kysely for the SQLite dialect, and the statements
 * run through better-sqlite3, synchronously, each prepared on first use and then reused. Its
 * mirror, postgres/dialect.ts, runs them asynchronously as named statements of a pool: an
 * embedded database answers in the event loop's own thread, a server over the network.
 */

import type BetterSqlite3 from 'better-sqlite3';
import { SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type Compilable } from 'kysely';
import { bind, compileOnly, type PreparedSql } from '../prepared.js';
import { compileQueries } from '../queries.js';

/** A Kysely that only compiles SQLite SQL; execution goes through better-sqlite3. */
export const sqliteCompiler = compileOnly({
  adapter: () => new SqliteAdapter(),
  introspector: (db) => new SqliteIntrospector(db),
  queryCompiler: () => new SqliteQueryCompiler(),
});

/** The shared named queries, compiled for SQLite. */
export const queries = compileQueries(sqliteCompiler);

type Values = Record<string, unknown>;

/** Runs named queries (and built ones) on one database. */
export class Statements<Name extends string> {
  private readonly prepared = new Map<
    string,
    { statement: BetterSqlite3.Statement; sql: PreparedSql }
  >();

  constructor(
    readonly db: BetterSqlite3.Database,
    private readonly sources: Record<Name, PreparedSql>,
  ) {}

  /** The prepared statement of a named query. */
  statement(name: Name): BetterSqlite3.Statement {
    return this.entry(name).statement;
  }
  private entry(name: Name) {
    let p = this.prepared.get(name);
    if (!p) {
      const sql = this.sources[name];
      this.prepared.set(name, (p = { statement: this.db.prepare(sql.sql), sql }));
    }
    return p;
  }
  run(name: Name, values: Values = {}) {
    const { statement, sql } = this.entry(name);
    return statement.run(...bind(sql, values));
  }
  get<T>(name: Name, values: Values): T | undefined {
    const { statement, sql } = this.entry(name);
    return statement.get(...bind(sql, values)) as T | undefined;
  }
  all<T>(name: Name, values: Values = {}): T[] {
    const { statement, sql } = this.entry(name);
    return statement.all(...bind(sql, values)) as T[];
  }
  /** Runs a query built for this call (its values inline), returning its rows. */
  allOf<T>(query: Compilable): T[] {
    const c = query.compile();
    return this.db.prepare(c.sql).all(...(c.parameters as unknown[])) as T[];
  }
}
