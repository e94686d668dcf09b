/**
 * @module The checkpointer thread's entry (SQLite only: PostgreSQL checkpoints on its own
 * server). It copies committed WAL frames into the database file on its own connection
 * (PASSIVE: it never blocks the writer, and with synchronous=FULL it syncs the file before the
 * WAL may be reused), so that the event loop does not spend its time checkpointing after
 * commits. checkpointer.ts starts and stops it.
 */

import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

export interface CheckpointerData {
  /** The database file. */
  path: string;
  /** How long to wait between checkpoints once the WAL has been copied whole. */
  idleMs: number;
}

const { path, idleMs } = workerData as CheckpointerData;
const db = new BetterSqlite3(path);
db.pragma('synchronous = FULL');
let timer: NodeJS.Timeout | undefined;

function tick(): void {
  let behind = false;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{
      busy: number;
      log: number;
      checkpointed: number;
    }>;
    behind = r !== undefined && (r.busy !== 0 || r.checkpointed < r.log);
  } catch {
    // A checkpoint that fails is retried on the next tick; commits still checkpoint past the bound.
  }
  timer = setTimeout(tick, behind ? 5 : idleMs);
}

parentPort!.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort!.close();
});
tick();
