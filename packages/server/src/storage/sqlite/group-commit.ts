/**
 * @module Group commit for SQLite: write jobs submitted in the same turn of the event loop run
 * in one transaction, each inside its own savepoint so that one failing job does not undo the
 * others, and all are acknowledged after the single durable commit.
 */

import type BetterSqlite3 from 'better-sqlite3';
import type { CommitObserver } from '../store.js';

interface Job {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Upper bound of jobs per transaction, so one commit never holds the event loop for long. */
const MAX_JOBS = 256;

export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;
  private idle: Array<() => void> = [];
  private readonly begin: BetterSqlite3.Statement;
  private readonly commit: BetterSqlite3.Statement;
  private readonly rollback: BetterSqlite3.Statement;
  private readonly savepoint: BetterSqlite3.Statement;
  private readonly release: BetterSqlite3.Statement;
  private readonly rollbackTo: BetterSqlite3.Statement;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly observe?: CommitObserver,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT job');
    this.release = db.prepare('RELEASE job');
    this.rollbackTo = db.prepare('ROLLBACK TO job');
  }

  /** Runs `run` inside the next group transaction; resolves once that transaction is durable. */
  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when every submitted job has been committed or rejected. */
  drain(): Promise<void> {
    if (!this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    const jobs = this.queue.splice(0, MAX_JOBS);
    const started = process.hrtime.bigint();
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.begin.run();
      for (const job of jobs) {
        this.savepoint.run();
        try {
          results.push({ ok: true, value: job.run() });
          this.release.run();
        } catch (error) {
          this.rollbackTo.run();
          this.release.run();
          results.push({ ok: false, error });
        }
      }
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const job of jobs) job.reject(error);
      this.next();
      return;
    }
    this.observe?.(Number(process.hrtime.bigint() - started) / 1e9, jobs.length);
    jobs.forEach((job, i) => {
      const result = results[i]!;
      if (result.ok) job.resolve(result.value);
      else job.reject(result.error);
    });
    this.next();
  }

  private next(): void {
    if (this.queue.length > 0) setImmediate(() => this.flush());
    else {
      this.scheduled = false;
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
