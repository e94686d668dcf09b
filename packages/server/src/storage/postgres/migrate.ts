/**
 * @module Runs PostgreSQL's pending migrations (planned by ../migrate.ts), all in one
 * transaction under an advisory lock, so that instances starting together agree on which to
 * apply. Its mirror, sqlite/migrate.ts, needs no lock: one process owns a SQLite file.
 */

import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import { appliedVersions, migrationsTable, pendingMigrations } from '../migrate.js';
import { postgresCompiler } from './dialect.js';
import { underAdvisoryLock } from './lock.js';

export async function migrate(pool: pg.Pool): Promise<void> {
  await underAdvisoryLock(pool, 'meterd-migrations', async (client) => {
    const run = (c: CompiledQuery) => client.query(c.sql, c.parameters as unknown[]);
    await run(migrationsTable(postgresCompiler));
    const applied = await run(appliedVersions(postgresCompiler));
    const versions = applied.rows.map((r: { version: number }) => r.version);
    for (const m of pendingMigrations(postgresCompiler, 'postgres', versions))
      for (const statement of m.statements) await run(statement);
  });
}
