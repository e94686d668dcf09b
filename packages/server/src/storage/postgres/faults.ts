/**
 * @module PostgreSQL's fault rules: one row holding the rule set and its version, shared by
 * every instance on the database. A change locks the row (`for update`) in the group's
 * transaction, so that two instances changing the rules at once apply both changes in turn.
 * Its mirror, sqlite/faults.ts, has one process and needs no lock.
 */

import type pg from 'pg';
import type { FaultRule } from '../../domain/faults.js';
import type { FaultsPart } from '../parts.js';
import type { StoredFaultRules } from '../store.js';
import { transient, type PgGroupCommit } from './group-commit.js';

type Row = { version: string; rules: string };

const READ = 'select version, rules from fault_rules where id = 1';

const stored = (row: Row | undefined): StoredFaultRules =>
  row
    ? { version: Number(row.version), rules: JSON.parse(row.rules) as FaultRule[] }
    : { version: 0, rules: [] };

export class PostgresFaults implements FaultsPart {
  constructor(
    private readonly pool: pg.Pool,
    private readonly commits: PgGroupCommit,
  ) {}

  async getFaultRules() {
    try {
      return stored((await this.pool.query<Row>(READ)).rows[0]);
    } catch (error) {
      throw transient(error);
    }
  }

  updateFaultRules(change: (current: FaultRule[]) => FaultRule[]) {
    return this.commits.submit(async (client) => {
      // The row exists once the first change made it; lock it (or the gap) for this change.
      await client.query(
        `insert into fault_rules (id, version, rules, updated_at) values (1, 0, '[]', 0)
         on conflict (id) do nothing`,
      );
      const now = stored((await client.query<Row>(`${READ} for update`)).rows[0]);
      const next = { version: now.version + 1, rules: change(now.rules) };
      await client.query(
        'update fault_rules set version = $1, rules = $2, updated_at = $3 where id = 1',
        [next.version, JSON.stringify(next.rules), Date.now()],
      );
      return next;
    });
  }
}
