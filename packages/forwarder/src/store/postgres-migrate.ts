/**
 * @module The PostgreSQL store's schema, as numbered migrations applied in one transaction under
 * an advisory lock, so that forwarders starting together on one database agree on which to
 * apply. Its tables are named `forward_*`, so that the forwarder may share a database with a
 * meterd server. The SQLite store's schema is created in place (one process owns its file).
 */

import type pg from 'pg';

/** The migrations, in order: version `i + 1` is `MIGRATIONS[i]`. Never edit one once released. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE forward_events (id text PRIMARY KEY, at bigint NOT NULL);
   CREATE INDEX forward_events_at ON forward_events (at);
   CREATE TABLE forward_buckets (
     scope text NOT NULL, hour integer NOT NULL, state text NOT NULL,
     claimed_by text, claim_until bigint NOT NULL DEFAULT 0, retry_at bigint NOT NULL DEFAULT 0,
     PRIMARY KEY (scope, hour));
   CREATE INDEX forward_buckets_open ON forward_buckets (hour) WHERE state = 'open';
   CREATE TABLE forward_cells (
     scope text NOT NULL, hour integer NOT NULL, rkey text NOT NULL, tagkey text NOT NULL,
     product text, licence text, ckind text NOT NULL, customer text NOT NULL,
     dimension text NOT NULL, quantity bigint NOT NULL,
     PRIMARY KEY (scope, hour, rkey, tagkey));
   CREATE TABLE forward_records (
     rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     scope text NOT NULL, hour integer NOT NULL, rkey text NOT NULL,
     product text, licence text, ckind text NOT NULL, customer text NOT NULL,
     dimension text NOT NULL, quantity bigint NOT NULL, allocations text, state text NOT NULL,
     attempts integer NOT NULL DEFAULT 0, metering_record_id text, reason text,
     sent integer NOT NULL DEFAULT 0, updated_at bigint NOT NULL,
     UNIQUE (scope, hour, rkey));
   CREATE INDEX forward_records_pending ON forward_records (scope, hour) WHERE state = 'frozen';
   CREATE INDEX forward_records_dead ON forward_records (updated_at, rid)
     WHERE state = 'dead-lettered';
   CREATE TABLE forward_late_events (
     lid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id text NOT NULL,
     scope text NOT NULL, hour integer NOT NULL, rkey text NOT NULL, tagkey text NOT NULL,
     product text, licence text, ckind text NOT NULL, customer text NOT NULL,
     dimension text NOT NULL, quantity bigint NOT NULL, reason text NOT NULL, at bigint NOT NULL);`,
];

/** Applies the migrations not yet applied; answers the versions applied now. */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('meterd-forward-migrations'))");
    await client.query(
      'CREATE TABLE IF NOT EXISTS forward_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM forward_migrations',
    );
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const [i, sql] of MIGRATIONS.entries()) {
      if (done.has(i + 1)) continue;
      await client.query(sql);
      await client.query('INSERT INTO forward_migrations (version, applied_at) VALUES ($1, $2)', [
        i + 1,
        Date.now(),
      ]);
      applied.push(i + 1);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
