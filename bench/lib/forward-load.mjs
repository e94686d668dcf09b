// The load generator of bench/forward.mjs, a process of its own: POSTs batches of SIZE new
// usage events (unique ids; 500 customers, 4 dimensions, every fifth event tagged, times spread
// over the last hour) from CONNECTIONS keep-alive connections for SECONDS, and prints the
// events/s acknowledged as JSON.
//   node bench/lib/forward-load.mjs PORT SIZE SECONDS CONNECTIONS TOKEN|- RUN
import http from 'node:http';

const [port, size, seconds, connections, token, run] = process.argv.slice(2);
const HOUR = 3_600_000;
const hourStart = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
let seq = 0;
function body(n) {
  const parts = [];
  for (let j = 0; j < n; j++) {
    const i = seq++;
    parts.push(
      `{"id":"${run}-${i}","productCode":"bench-saas","customerAWSAccountId":"${300000000000 + (i % 500)}","dimension":"d${i % 4}","quantity":${1 + (i % 7)},"timestamp":${Math.floor((hourStart + ((i * 7919) % HOUR)) / 1000)}${i % 5 === 0 ? ',"tags":{"team":"a"}' : ''}}`,
    );
  }
  return `{"events":[${parts.join(',')}]}`;
}
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const headers = { 'content-type': 'application/json' };
if (token !== '-') headers.authorization = `Bearer ${token}`;
let events = 0;
const start = performance.now();
const end = start + Number(seconds) * 1000;
await Promise.all(
  Array.from({ length: Number(connections) }, async () => {
    while (performance.now() < end) {
      const b = body(Number(size));
      await new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: Number(port),
            path: '/v1/usage-events',
            method: 'POST',
            agent,
            headers: { ...headers, 'content-length': Buffer.byteLength(b) },
          },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => {
              if (res.statusCode !== 200) return reject(new Error(`${res.statusCode}: ${text}`));
              events += JSON.parse(text).accepted;
              resolve();
            });
          },
        );
        req.on('error', reject);
        req.end(b);
      });
    }
  }),
);
agent.destroy();
console.log(JSON.stringify({ eventsPerSecond: events / ((performance.now() - start) / 1000) }));
