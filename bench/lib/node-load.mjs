// The fallback load generator when wrk is missing: closed-loop raw HTTP/1.1 over keep-alive
// sockets, sending the same pre-signed pool as the wrk script and writing the same summary.
// Usage: node node-load.mjs PORT POOL MODE CONNECTIONS SECONDS OUT ACKS
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';

const [port, poolFile, mode, connections, seconds, outFile, acksFile] = process.argv.slice(2);

const data = readFileSync(poolFile);
const pool = [];
for (let pos = 0; pos < data.length;) {
  const size = Number(data.subarray(pos, pos + 8).toString('latin1'));
  pool.push(data.subarray(pos + 8, pos + 8 + size));
  pos += 8 + size;
}

const latencies = [];
const statuses = {};
const acked = [];
const errors = { connect: 0, read: 0, write: 0, status: 0, timeout: 0 };
let next = 0;
let sent = 0;
let partial = 0;
let sample = '';
let bytes = 0;
let stopping = false;
// As in pool.lua: each connection's first request waits until all connections are open.
const HOLD_MS = 300;
const started = process.hrtime.bigint();
const deadline = Date.now() + Number(seconds) * 1000;

function handle(status, body) {
  statuses[status] = (statuses[status] ?? 0) + 1;
  if (status !== 200) {
    errors.status++;
    if (!sample) sample = body.slice(0, 300);
    return;
  }
  if (mode === 'bmu') {
    const q = /"Quantity":(\d+)/.exec(body);
    if (q && body.split('"Status":"Success"').length - 1 === 25) acked.push(q[1]);
    else partial++;
  } else if (mode === 'mu') {
    const id = /"MeteringRecordId":"([^"]+)"/.exec(body);
    if (id) acked.push(id[1]);
    else partial++;
  }
}

function connection(hold = HOLD_MS) {
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let sentAt = 0n;
    const send = () => {
      if (stopping || Date.now() >= deadline) {
        socket.end();
        return resolve();
      }
      const request = pool[next++ % pool.length];
      sent++;
      sentAt = process.hrtime.bigint();
      socket.write(request);
    };
    socket.once('connect', () => setTimeout(send, hold));
    socket.on('data', (chunk) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? -1);
        if (length < 0 || buffer.length < end + 4 + length) return;
        const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
        bytes += end + 4 + length;
        buffer = buffer.subarray(end + 4 + length);
        latencies.push(Number(process.hrtime.bigint() - sentAt) / 1000);
        handle(Number(head.slice(9, 12)), body);
        if (/\r\nconnection:\s*close/i.test(head)) {
          socket.destroy();
          return resolve(connection(0));
        }
        send();
      }
    });
    socket.on('error', () => {
      errors.read++;
      resolve();
    });
  });
}

await Promise.all(Array.from({ length: Number(connections) }, () => connection()));
stopping = true;
const durationUs = Number(process.hrtime.bigint() - started) / 1000;
const sorted = Float64Array.from(latencies).sort();
const pct = (p) =>
  Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
writeFileSync(acksFile, acked.length ? `${acked.join('\n')}\n` : '');
writeFileSync(
  outFile,
  JSON.stringify({
    holdUs: HOLD_MS * 1000,
    durationUs: Math.round(durationUs),
    requests: latencies.length,
    bytes,
    poolSize: pool.length,
    sent,
    partial,
    errors,
    statuses,
    latencyUs: {
      p50: pct(50),
      p90: pct(90),
      p99: pct(99),
      max: Math.round(sorted[sorted.length - 1] ?? 0),
      mean: latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1),
    },
    sample,
  }),
);
