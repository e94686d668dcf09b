// The durable floors' store: an append-only SQLite table (WAL, synchronous=FULL) written with
// group commit — all the rows that arrived in one turn of the event loop go in one transaction,
// and each caller is told after the commit that holds its rows. Shared by durable-floor.mjs
// (BatchMeterUsage) and forward-floor.mjs (the forwarder's ingest).
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Opens `file` in `dir`, creates `table` with `columns` (all TEXT), and returns
 * `append(rows, done)`: `rows` (arrays of column values) are committed with the others of this
 * turn, then `done()` is called.
 */
export function openFloorLog(dir, file, table, columns) {
  const db = new Database(join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (${columns.map((c) => `${c} TEXT`).join(', ')})`);
  const insert = db.prepare(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  let queue = [];
  const write = db.transaction((jobs) => {
    for (const { rows } of jobs) for (const r of rows) insert.run(...r);
  });
  function commit() {
    const jobs = queue;
    queue = [];
    write(jobs);
    for (const j of jobs) j.done();
  }
  return function append(rows, done) {
    if (queue.length === 0) setImmediate(commit);
    queue.push({ rows, done });
  };
}
