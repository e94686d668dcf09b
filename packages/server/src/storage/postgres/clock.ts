/**
 * @module PostgreSQL's clock: one row holding the offset over real time and its version, shared
 * by every instance on the database. A change locks the row (`for update`) in the group's
 * transaction, so that two instances advancing the clock at once apply both advances in turn.
 * Its mirror, sqlite/clock.ts, has one process and needs no lock.
 */

import type pg from 'pg';
import type { ClockPart } from '../parts.js';
import type { StoredClock } from '../store.js';
import { transient, type PgGroupCommit } from './group-commit.js';

type Row = { version: string; offset_ms: string };

const READ = 'select version, offset_ms from clock where id = 1';

const stored = (row: Row | undefined): StoredClock =>
  row
    ? { version: Number(row.version), offsetMs: Number(row.offset_ms) }
    : { version: 0, offsetMs: 0 };

export class PostgresClock implements ClockPart {
  constructor(
    private readonly pool: pg.Pool,
    private readonly commits: PgGroupCommit,
  ) {}

  async getClock() {
    try {
      return stored((await this.pool.query<Row>(READ)).rows[0]);
    } catch (error) {
      throw transient(error);
    }
  }

  updateClock(change: (offsetMs: number) => number) {
    return this.commits.submit(async (client) => {
      // The row exists once the first change made it; lock it (or the gap) for this change.
      await client.query(
        `insert into clock (id, version, offset_ms, updated_at) values (1, 0, 0, 0)
         on conflict (id) do nothing`,
      );
      const now = stored((await client.query<Row>(`${READ} for update`)).rows[0]);
      const next = { version: now.version + 1, offsetMs: change(now.offsetMs) };
      await client.query(
        'update clock set version = $1, offset_ms = $2, updated_at = $3 where id = 1',
        [next.version, next.offsetMs, Date.now()],
      );
      return next;
    });
  }
}
