/**
 * @module SQLite's fault rules: one row holding the rule set and its version, read from the
 * database (a cheap indexed read in the process's own file) and changed through the group
 * commit. Its mirror, postgres/faults.ts, locks the row for a change, as instances share it.
 */

import type BetterSqlite3 from 'better-sqlite3';
import type { FaultRule } from '../../domain/faults.js';
import type { FaultsPart } from '../parts.js';
import type { StoredFaultRules } from '../store.js';
import type { GroupCommit } from './group-commit.js';

type Row = { version: number; rules: string };

export class SqliteFaults implements FaultsPart {
  private readonly read: BetterSqlite3.Statement;
  private readonly write: BetterSqlite3.Statement;

  constructor(
    db: BetterSqlite3.Database,
    private readonly commits: GroupCommit,
  ) {
    this.read = db.prepare('select version, rules from fault_rules where id = 1');
    this.write = db.prepare(
      `insert into fault_rules (id, version, rules, updated_at) values (1, ?, ?, ?)
       on conflict (id) do update set version = excluded.version, rules = excluded.rules,
         updated_at = excluded.updated_at`,
    );
  }

  private current(): StoredFaultRules {
    const row = this.read.get() as Row | undefined;
    return row
      ? { version: Number(row.version), rules: JSON.parse(row.rules) as FaultRule[] }
      : { version: 0, rules: [] };
  }

  async getFaultRules() {
    return this.current();
  }

  updateFaultRules(change: (current: FaultRule[]) => FaultRule[]) {
    return this.commits.submit(() => {
      const now = this.current();
      const next = { version: now.version + 1, rules: change(now.rules) };
      this.write.run(next.version, JSON.stringify(next.rules), Date.now());
      return next;
    });
  }
}
