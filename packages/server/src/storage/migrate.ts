/**
 * @module The migration runner, written once: which migrations of migrations.ts a database
 * still needs, compiled for its dialect together with their bookkeeping in
 * `schema_migrations`. Each backend only executes the plan (sqlite/migrate.ts,
 * postgres/migrate.ts).
 */

import type { CompiledQuery, Kysely } from 'kysely';
import { migrations, type DialectName } from './migrations.js';
import type { Database } from './schema.js';

export interface PendingMigration {
  version: number;
  name: string;
  /** The migration's statements, then the row that records it as applied. */
  statements: CompiledQuery[];
}

/** Creates `schema_migrations` when the database has none yet. */
export const migrationsTable = (db: Kysely<Database>): CompiledQuery =>
  db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .compile();

/** Reads the versions already applied (rows of `{ version }`). */
export const appliedVersions = (db: Kysely<Database>): CompiledQuery =>
  db.selectFrom('schema_migrations').select('version').compile();

/**
 * The migrations not in `applied`, in order. A migration runs whole or not at all: SQLite runs
 * each in a transaction of its own, PostgreSQL all in the one that holds its advisory lock.
 */
export function pendingMigrations(
  db: Kysely<Database>,
  dialect: DialectName,
  applied: Iterable<number>,
): PendingMigration[] {
  const done = new Set([...applied].map(Number));
  return migrations
    .filter((m) => !done.has(m.version))
    .map((m) => ({
      version: m.version,
      name: m.name,
      statements: [
        ...m.up(db, dialect).map((statement) => statement.compile()),
        db
          .insertInto('schema_migrations')
          .values({ version: m.version, name: m.name, applied_at: Date.now() })
          .compile(),
      ],
    }));
}
