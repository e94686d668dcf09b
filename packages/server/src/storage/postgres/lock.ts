/**
 * @module PostgreSQL's lock: any number of meterd instances share one database (dedupe is its
 * unique index), so nothing locks the database for one process; what must not run twice at
 * once (migrations) runs in a transaction holding an advisory lock. Its mirror, sqlite/lock.ts,
 * locks a data directory for one process, whose memory holds the live dedupe keys.
 */

import type pg from 'pg';

/** Runs `work` in one transaction of its own that holds the advisory lock named `name`. */
export async function underAdvisoryLock<T>(
  pool: pg.Pool,
  name: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [name]);
    const value = await work(client);
    await client.query('COMMIT');
    return value;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
