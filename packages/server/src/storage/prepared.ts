/**
 * @module Queries built once with Kysely and run many times as prepared statements: values
 * are named markers at build time and bound by name at run time. Kysely only compiles here;
 * each backend executes through its own driver.
 */

import {
  DummyDriver,
  Kysely,
  type Compilable,
  type DatabaseIntrospector,
  type DialectAdapter,
  type QueryCompiler,
} from 'kysely';
import type { Database } from './schema.js';

/** A Kysely that compiles one dialect's SQL and never connects (each backend's dialect.ts). */
export function compileOnly(dialect: {
  adapter: () => DialectAdapter;
  introspector: (db: Kysely<unknown>) => DatabaseIntrospector;
  queryCompiler: () => QueryCompiler;
}): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: dialect.adapter,
      createDriver: () => new DummyDriver(),
      createIntrospector: dialect.introspector,
      createQueryCompiler: dialect.queryCompiler,
    },
  });
}

const MARK = '\u0000:';

/** A named placeholder for a value bound when the query runs. */
export function param<T = string>(name: string): T {
  return `${MARK}${name}` as T;
}

export interface PreparedSql {
  sql: string;
  names: string[];
}

/** Compiles a query whose every value is a `param()` marker. */
export function prepare(query: Compilable): PreparedSql {
  const compiled = query.compile();
  const names = compiled.parameters.map((p) => {
    if (typeof p === 'string' && p.startsWith(MARK)) return p.slice(MARK.length);
    throw new Error(`prepared query has a literal value: ${compiled.sql}`);
  });
  return { sql: compiled.sql, names };
}

/** The positional values of a prepared query, taken by name from `values`. */
export function bind(prepared: PreparedSql, values: Record<string, unknown>): unknown[] {
  return prepared.names.map((name) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for parameter ${name}`);
    return value;
  });
}
