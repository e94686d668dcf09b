/**
 * @module SQLite's usage summary, kept off the metering path (SQLite only: PostgreSQL adds to
 * its summary in the call's transaction). A thread of its own (summary-worker.ts) follows the
 * usage log into `summary.db` (summary-file.ts) on the machine's other core; a report first
 * waits until the summary holds every call committed before it was asked, so it is as exact
 * as when the summary was written with each call. A throw-away database in memory has no file
 * another thread could read: its summary is followed in the event loop, when a report asks.
 */

import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerEntry } from './worker-entry.js';
import BetterSqlite3 from 'better-sqlite3';
import { TransientStoreError } from '../errors.js';
import { catchUp, logEnd, openSummary } from './summary-file.js';
import type { SummaryMessage, SummaryWorkerData } from './summary-worker.js';

/** How long the thread waits between looks at the log once it has followed it whole. */
const IDLE_MS = 200;
/** How long a report waits for the summary to reach the log before it is refused. */
const SYNC_TIMEOUT_MS = 15_000;

interface Waiter {
  upTo: number;
  resolve: () => void;
}

export class SqliteSummary {
  /** The file's name in the data directory. */
  static readonly FILE = 'summary.db';
  private readonly worker: Worker | undefined;
  private readonly exited: Promise<unknown> | undefined;
  private readonly summaryPath: string | undefined;
  private through = -1;
  private failure: string | undefined;
  private waiters: Waiter[] = [];
  private reader: BetterSqlite3.Database | undefined;

  /**
   * Follows the usage log of `log` (the store's connection), kept at `logPath`, into the
   * summary file of `dataDir`; with no `dataDir`, into a database in memory.
   */
  constructor(
    private readonly log: BetterSqlite3.Database,
    logPath: string,
    dataDir?: string,
  ) {
    if (dataDir === undefined) {
      this.reader = new BetterSqlite3(':memory:');
      openSummary(this.reader);
      return;
    }
    this.summaryPath = join(dataDir, SqliteSummary.FILE);
    const workerData: SummaryWorkerData = {
      logPath,
      summaryPath: this.summaryPath,
      idleMs: IDLE_MS,
    };
    const worker = new Worker(workerEntry('summary-worker'), { workerData });
    worker.on('message', (m: SummaryMessage) => this.told(m));
    worker.on('error', (error) => this.told({ type: 'failed', message: error.message }));
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.unref();
    this.worker = worker;
  }

  private told(m: SummaryMessage): void {
    if (m.type === 'failed') {
      this.failure = m.message;
      return;
    }
    this.failure = undefined;
    this.through = m.through;
    const ready = this.waiters.filter((w) => w.upTo <= m.through);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.upTo > m.through);
    for (const w of ready) w.resolve();
  }

  /**
   * The summary's database, once it holds every call the log held when this was asked. Refused
   * with a TransientStoreError (answered 503) when it cannot get there in time.
   */
  async current(): Promise<BetterSqlite3.Database> {
    const upTo = logEnd(this.log);
    if (!this.worker) {
      while (catchUp(this.log, this.reader!).through < upTo);
      return this.reader!;
    }
    if (this.through < upTo) await this.wait(upTo);
    this.reader ??= new BetterSqlite3(this.summaryPath!, { readonly: true, fileMustExist: true });
    return this.reader;
  }

  private wait(upTo: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        upTo,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const behind = this.through < 0 ? 'not open yet' : `at call ${this.through} of ${upTo}`;
        reject(
          new TransientStoreError(
            `the usage summary is behind the usage log (${behind}${this.failure ? `: ${this.failure}` : ''}); retry later`,
          ),
        );
      }, SYNC_TIMEOUT_MS);
      this.waiters.push(waiter);
      this.worker!.postMessage('wake');
    });
  }

  /** Stops the thread and closes the summary's connections. */
  async stop(): Promise<void> {
    if (this.worker) {
      this.worker.ref();
      this.worker.postMessage('stop');
      await this.exited;
    }
    if (this.reader?.open) this.reader.close();
  }
}
