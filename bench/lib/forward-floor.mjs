// The durable floor of the forwarder's ingest: node:http, JSON.parse, and an append of each
// event to SQLite (WAL, synchronous=FULL) in one transaction per turn of the event loop, every
// request answered after the commit that holds it. No checks, no dedupe, no sums: what any
// durable ingest on this machine costs at least.
//   node bench/lib/forward-floor.mjs PORT DIR
import { createServer } from 'node:http';
import { openFloorLog } from './floor-log.mjs';

const [port, dir] = process.argv.slice(2);
const append = openFloorLog(dir, 'floor.db', 'events', ['id', 'body']);
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const { events } = JSON.parse(Buffer.concat(chunks).toString());
    append(
      events.map((e) => [e.id, JSON.stringify(e)]),
      () => res.end(`{"accepted":${events.length}}`),
    );
  });
}).listen(Number(port), '127.0.0.1');
