// The durable floor of the forwarder's ingest: node:http, JSON.parse, and an append of each
// event to SQLite (WAL, synchronous=FULL) in one transaction per turn of the event loop, every
// request answered after the commit that holds it. No checks, no dedupe, no sums: what any
// durable ingest on this machine costs at least.
//   node bench/lib/forward-floor.mjs PORT DIR
import { createServer } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const [port, dir] = process.argv.slice(2);
const db = new Database(join(dir, 'floor.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS events (id TEXT, body TEXT)');
const insert = db.prepare('INSERT INTO events (id, body) VALUES (?, ?)');
let queue = [];
const flush = db.transaction((jobs) => {
  for (const { events } of jobs) for (const e of events) insert.run(e.id, JSON.stringify(e));
});
function commit() {
  const jobs = queue;
  queue = [];
  flush(jobs);
  for (const j of jobs) j.res.end(`{"accepted":${j.events.length}}`);
}
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const { events } = JSON.parse(Buffer.concat(chunks).toString());
    if (queue.length === 0) setImmediate(commit);
    queue.push({ events, res });
  });
}).listen(Number(port), '127.0.0.1');
