/**
 * @module SQLite's background checkpoints (SQLite only: a PostgreSQL server checkpoints on its
 * own). Starts the checkpointer thread (checkpointer-worker.ts) on a file database and bounds
 * the WAL for when that thread lags: past that many frames a commit checkpoints in the event
 * loop itself.
 */

import { Worker } from 'node:worker_threads';
import { workerEntry } from './worker-entry.js';
import type BetterSqlite3 from 'better-sqlite3';
import type { CheckpointerData } from './checkpointer-worker.js';

/**
 * WAL frames after which a commit checkpoints in the event loop itself. The background
 * checkpointer normally keeps the WAL far shorter; this bounds it when that thread lags.
 */
const WAL_AUTOCHECKPOINT_PAGES = 16_384;
const IDLE_MS = 50;

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;

  /** Starts checkpointing `path`, the file `db` has open. */
  constructor(db: BetterSqlite3.Database, path: string, idleMs = IDLE_MS) {
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    const workerData: CheckpointerData = { path, idleMs };
    this.worker = new Worker(workerEntry('checkpointer-worker'), { workerData });
    this.worker.on('error', () => undefined); // commits still checkpoint past the bound
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.unref();
  }

  /** Stops the thread and waits for it to close its connection. */
  async stop(): Promise<void> {
    this.worker.ref(); // wait for it even when nothing else keeps the process alive
    this.worker.postMessage('stop');
    await this.exited;
  }
}
