/**
 * @module Runs SQLite's pending migrations (planned by ../migrate.ts), each in a transaction of
 * its own. Its mirror, postgres/migrate.ts, first takes an advisory lock because several
 * instances may start on one database together; a SQLite data directory has one process.
 */

import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { appliedVersions, migrationsTable, pendingMigrations } from '../migrate.js';
import { sqliteCompiler } from './dialect.js';

export function migrate(db: BetterSqlite3.Database): void {
  const run = (c: CompiledQuery) => db.prepare(c.sql).run(...(c.parameters as unknown[]));
  run(migrationsTable(sqliteCompiler));
  const applied = appliedVersions(sqliteCompiler);
  const versions = db.prepare(applied.sql).all() as Array<{ version: number }>;
  const pending = pendingMigrations(
    sqliteCompiler,
    'sqlite',
    versions.map((r) => r.version),
  );
  for (const m of pending) db.transaction(() => m.statements.forEach(run))();
}
