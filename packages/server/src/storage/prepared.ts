/**
 * @module Queries built once with Kysely and run many times as prepared statements: values
 * are named markers at build time and bound by name at run time.
 */

import type { Compilable } from 'kysely';

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
