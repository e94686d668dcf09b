/**
 * @module Group commit for SQLite: write jobs submitted in the same turn of the event loop run
 * in one transaction, each inside its own savepoint so that one failing job does not undo the
 * others, and all are acknowledged after the single durable commit. With a `sync` function the
 * commit itself does not wait for the disk: the write-ahead log is flushed (fdatasync) in the
 * background, one flush covering every group committed before it started, and jobs are
 * acknowledged only once the flush that covers them is done. That is what `synchronous=FULL`
 * guarantees, without holding the event loop during the flush. Its mirror,
 * postgres/group-commit.ts, groups jobs the same way but leaves durability to the server and
 * retries the deadlocks that concurrent instances cause; one process owns a SQLite file.
 */

import { closeSync, constants, fdatasync, openSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { TransientStoreError } from '../errors.js';
import type { WriteHealth } from '../health.js';
import type { CommitObserver } from '../store.js';

interface Job {
  run: () => unknown;
  /** Undoes what `run` did outside the database, when its writes are rolled back. */
  undo: (() => void) | undefined;
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

  /** Acknowledgements waiting for the flush in progress, and for the one after it. */
  private syncing: Array<() => void> | undefined;
  private waiting: Array<() => void> = [];
  private failedSync: unknown;

  private readonly health: WriteHealth | undefined;
  private readonly observe: CommitObserver | undefined;
  private readonly sync: (() => Promise<void>) | undefined;

  constructor(
    private readonly db: BetterSqlite3.Database,
    options: { health?: WriteHealth; observe?: CommitObserver; sync?: () => Promise<void> } = {},
  ) {
    this.health = options.health;
    this.observe = options.observe;
    this.sync = options.sync;
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT job');
    this.release = db.prepare('RELEASE job');
    this.rollbackTo = db.prepare('ROLLBACK TO job');
  }

  /** Runs `run` inside the next group transaction; resolves once that transaction is durable. */
  submit<T>(run: () => T, undo?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, undo, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when every submitted job has been committed or rejected. */
  drain(): Promise<void> {
    if (!this.scheduled && this.queue.length === 0 && !this.syncing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    const jobs = this.queue.splice(0, MAX_JOBS);
    const started = process.hrtime.bigint();
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      if (this.db.inTransaction) this.rollback.run(); // one the last group could not end
      this.begin.run();
      for (const job of jobs) {
        this.savepoint.run();
        try {
          results.push({ ok: true, value: job.run() });
          this.release.run();
        } catch (error) {
          job.undo?.();
          // A full disk or an I/O error can make SQLite roll the whole transaction back: then
          // there is no savepoint to return to, and every job of the group fails with it.
          if (!this.db.inTransaction) throw error;
          this.rollbackTo.run();
          this.release.run();
          results.push({ ok: false, error: transient(error) });
        }
      }
      this.commit.run();
    } catch (caught) {
      const error = transient(caught);
      // A COMMIT refused for a full disk leaves the transaction open. A rollback that fails
      // too (an I/O error) must not escape: the next group tries it again before its BEGIN.
      try {
        if (this.db.inTransaction) this.rollback.run();
      } catch {
        // the error that brought us here already fails every job
      }
      if (error instanceof TransientStoreError) this.health?.failed(error.message);
      jobs.forEach((job, i) => {
        if (results[i]?.ok) job.undo?.();
        job.reject(error);
      });
      this.next();
      return;
    }
    const acknowledge = (failedSync?: unknown) => {
      this.observe?.(Number(process.hrtime.bigint() - started) / 1e9, jobs.length);
      const syncError = failedSync === undefined ? undefined : transient(failedSync);
      let unavailable = syncError;
      jobs.forEach((job, i) => {
        const result = results[i]!;
        if (syncError !== undefined) job.reject(syncError);
        else if (result.ok) job.resolve(result.value);
        else {
          if (result.error instanceof TransientStoreError) unavailable = result.error;
          job.reject(result.error);
        }
      });
      if (unavailable instanceof TransientStoreError) this.health?.failed(unavailable.message);
      else if (unavailable === undefined) this.health?.committed();
    };
    if (this.sync) this.afterSync(acknowledge);
    else acknowledge();
    this.next();
  }

  /** Runs `acknowledge` once a log flush that started after this commit has completed. */
  private afterSync(acknowledge: (syncError?: unknown) => void): void {
    this.waiting.push(() => acknowledge(this.failedSync));
    if (!this.syncing) this.startSync();
  }

  private startSync(): void {
    const batch = (this.syncing = this.waiting);
    this.waiting = [];
    this.failedSync = undefined;
    this.sync!().then(
      () => this.finishSync(batch),
      (error: unknown) => {
        this.failedSync = error;
        this.finishSync(batch);
      },
    );
  }

  private finishSync(batch: Array<() => void>): void {
    for (const acknowledge of batch) acknowledge();
    this.syncing = undefined;
    if (this.waiting.length > 0) this.startSync();
    else this.settleIdle();
  }

  private next(): void {
    if (this.queue.length > 0) setImmediate(() => this.flush());
    else {
      this.scheduled = false;
      this.settleIdle();
    }
  }

  private settleIdle(): void {
    if (this.scheduled || this.queue.length > 0 || this.syncing) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}

/**
 * SQLite's and the file system's failures worth retrying, as TransientStoreError: a full disk
 * (SQLITE_FULL, ENOSPC), an I/O error (SQLITE_IOERR_*, EIO), a database another connection
 * holds (SQLITE_BUSY, SQLITE_LOCKED). Nothing of the failed transaction was kept, so the call
 * may be sent again; others (a constraint, a bug) pass through.
 */
export function transient(error: unknown): unknown {
  if (error instanceof TransientStoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.test(code))
    return new TransientStoreError(`database unavailable (${code})`);
  return error;
}
const TRANSIENT_CODES =
  /^(SQLITE_(FULL|IOERR|BUSY|LOCKED|CANTOPEN|PROTOCOL)(_\w+)?|ENOSPC|EIO|EDQUOT)$/;

/**
 * The `sync` of the database at `path`: flushes its write-ahead log (fdatasync) on libuv's
 * thread pool. `close` releases the file it holds open for that.
 */
export function walSync(path: string): { sync: () => Promise<void>; close: () => void } {
  const fd = openSync(`${path}-wal`, constants.O_RDONLY | constants.O_CREAT);
  return {
    sync: () =>
      new Promise<void>((resolve, reject) =>
        fdatasync(fd, (error) => (error ? reject(error) : resolve())),
      ),
    close: () => closeSync(fd),
  };
}
