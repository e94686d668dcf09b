// The durable floor of BatchMeterUsage: plain node:http that reads the body, verifies its SigV4
// signature (lib/sigv4-check.mjs), JSON.parses it, appends the raw body as one row to SQLite
// (WAL, synchronous=FULL, one transaction per turn of the event loop: lib/floor-log.mjs) and,
// after the commit, answers every record Success in BatchMeterUsage's response shape. No
// validation, catalog, dedupe or audit: what a durable, signed call costs at least here.
//   node bench/lib/durable-floor.mjs PORT DIR
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { openFloorLog } from './floor-log.mjs';
import { verifySigV4 } from './sigv4-check.mjs';
import { SELLER } from './workload.mjs';

const [port, dir] = process.argv.slice(2);
const append = openFloorLog(dir, 'floor.db', 'calls', ['request_id', 'body']);
const secretOf = (id) => (id === SELLER.accessKeyId ? SELLER.secretAccessKey : undefined);
const JSON_TYPE = 'application/x-amz-json-1.1';

function answer(res, status, requestId, body) {
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const requestId = randomUUID();
    const raw = Buffer.concat(chunks);
    if (!verifySigV4(req.method, req.url, req.headers, raw, secretOf))
      return answer(
        res,
        403,
        requestId,
        '{"__type":"InvalidSignatureException","message":"bad signature"}',
      );
    let input;
    try {
      input = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(res, 400, requestId, '{"__type":"SerializationException"}');
    }
    append([[requestId, raw.toString('utf8')]], () => {
      const results = (input.UsageRecords ?? []).map((r) => ({
        UsageRecord: r,
        MeteringRecordId: randomUUID(),
        Status: 'Success',
      }));
      answer(res, 200, requestId, JSON.stringify({ Results: results, UnprocessedRecords: [] }));
    });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
