/**
 * @module SQLite's clock: one row holding the offset over real time and its version, read from
 * the database and changed through the group commit. Its mirror, postgres/clock.ts, locks the
 * row for a change, as instances share it.
 */

import type BetterSqlite3 from 'better-sqlite3';
import type { ClockPart } from '../parts.js';
import type { StoredClock } from '../store.js';
import type { GroupCommit } from './group-commit.js';

type Row = { version: number; offset_ms: number };

export class SqliteClock implements ClockPart {
  private readonly read: BetterSqlite3.Statement;
  private readonly write: BetterSqlite3.Statement;

  constructor(
    db: BetterSqlite3.Database,
    private readonly commits: GroupCommit,
  ) {
    this.read = db.prepare('select version, offset_ms from clock where id = 1');
    this.write = db.prepare(
      `insert into clock (id, version, offset_ms, updated_at) values (1, ?, ?, ?)
       on conflict (id) do update set version = excluded.version,
         offset_ms = excluded.offset_ms, updated_at = excluded.updated_at`,
    );
  }

  private current(): StoredClock {
    const row = this.read.get() as Row | undefined;
    return row
      ? { version: Number(row.version), offsetMs: Number(row.offset_ms) }
      : { version: 0, offsetMs: 0 };
  }

  async getClock() {
    return this.current();
  }

  updateClock(change: (offsetMs: number) => number) {
    return this.commits.submit(() => {
      const now = this.current();
      const next = { version: now.version + 1, offsetMs: change(now.offsetMs) };
      this.write.run(next.version, next.offsetMs, Date.now());
      return next;
    });
  }
}
