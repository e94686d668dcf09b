/**
 * @module The summary thread's entry (SQLite only). On connections of its own it follows the
 * usage log of `meterd.db` (read-only) into `summary.db` (summary-file.ts): at once when told
 * to, otherwise every `idleMs`, and without pause while it is behind. After every transaction
 * it tells the event loop which call the summary holds up to. summary.ts starts and stops it.
 */

import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { catchUp, openSummary, summaryThrough } from './summary-file.js';

export interface SummaryWorkerData {
  /** The database holding the usage log. */
  logPath: string;
  /** The summary's file. */
  summaryPath: string;
  idleMs: number;
}

/** What the thread tells the event loop. */
export type SummaryMessage =
  { type: 'through'; through: number } | { type: 'failed'; message: string };

const { logPath, summaryPath, idleMs } = workerData as SummaryWorkerData;
const port = parentPort!;
let source: BetterSqlite3.Database | undefined;
let target: BetterSqlite3.Database | undefined;
let timer: NodeJS.Timeout | undefined;
let stopped = false;
let failing = false;

function open(): { source: BetterSqlite3.Database; target: BetterSqlite3.Database } {
  if (!target) {
    const t = new BetterSqlite3(summaryPath);
    t.pragma('journal_mode = WAL');
    // Derived data: a commit lost to a power cut is followed again from the log.
    t.pragma('synchronous = NORMAL');
    t.pragma('busy_timeout = 5000');
    openSummary(t);
    target = t;
    port.postMessage({ type: 'through', through: summaryThrough(t) } satisfies SummaryMessage);
  }
  if (!source) {
    source = new BetterSqlite3(logPath, { readonly: true, fileMustExist: true });
    source.pragma('busy_timeout = 5000');
  }
  return { source, target };
}

function tick(): void {
  timer = undefined;
  if (stopped) return;
  let behind = false;
  try {
    const { source: s, target: t } = open();
    const { through, added } = catchUp(s, t);
    behind = added > 0;
    failing = false;
    port.postMessage({ type: 'through', through } satisfies SummaryMessage);
  } catch (error) {
    // A full disk or an I/O error: tried again after the pause, told once per episode.
    if (!failing)
      port.postMessage({
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      } satisfies SummaryMessage);
    failing = true;
  }
  schedule(behind ? 0 : idleMs);
}

function schedule(ms: number): void {
  if (stopped || timer) return;
  timer = setTimeout(tick, ms);
}

port.on('message', (message: 'wake' | 'stop') => {
  if (message === 'wake') {
    if (timer && !failing) {
      clearTimeout(timer);
      timer = undefined;
    }
    schedule(0);
    return;
  }
  stopped = true;
  clearTimeout(timer);
  source?.close();
  target?.close();
  port.close();
});
tick();
