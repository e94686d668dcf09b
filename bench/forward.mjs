// `node bench/forward.mjs`: meterd forward's ingest (durable, dedupe on) at batches of 100 and
// 1,000 events beside the durable floor (bench/lib/forward-floor.mjs) measured in the same run,
// then the time to drain an hour of 10^6 events to a meterd target. Each ingest figure is the
// median of --repeats runs of --seconds each from --connections keep-alive connections of a
// Node load generator in a process of its own (bench/lib/forward-load.mjs). Writes bench/results/forward-<time>.json.
//   node bench/forward.mjs [--repeats 3] [--seconds 5] [--connections 16] [--drain-events 1000000]
//                          [--drain-customers 2000] [--rate 10] [--no-drain]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startMeterd, startProcess, waitForPort } from '@meterd/testkit';

const { values: args } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    'drain-events': { type: 'string', default: '1000000' },
    'drain-customers': { type: 'string', default: '2000' },
    rate: { type: 'string', default: '10' },
    'no-drain': { type: 'boolean', default: false },
  },
});
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages/server/dist/cli/main.js');
const TOKEN = 'bench-token';
const HOUR = 3_600_000;
const work = mkdtempSync(join(os.tmpdir(), 'meterd-forward-bench-'));
const children = [];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let seq = 0;
const hourStart = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
/** A request body of `n` events with ids never used before: 500 customers, 4 dimensions. */
function body(n, customers = 500) {
  const parts = [];
  for (let j = 0; j < n; j++) {
    const i = seq++;
    parts.push(
      `{"id":"e-${i}","productCode":"bench-saas","customerAWSAccountId":"${300000000000 + (i % customers)}","dimension":"d${Math.floor(i / customers) % 4}","quantity":${1 + (i % 7)},"timestamp":${(hourStart + (i % HOUR)) / 1000}${i % 5 === 0 ? ',"tags":{"team":"a"}' : ''}}`,
    );
  }
  return `{"events":[${parts.join(',')}]}`;
}

/** Sends batches of `size` events for `seconds` from `connections` connections; events/s. */
async function load(port, size, seconds, connections, auth = true) {
  const out = await new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [
        join(ROOT, 'bench/lib/forward-load.mjs'),
        port,
        size,
        seconds,
        connections,
        auth ? TOKEN : '-',
        `r${seq++}`,
      ].map(String),
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  return JSON.parse(out).eventsPerSecond;
}

async function startForwarder(dir, extra = [], env = {}) {
  const port = await freePort();
  const child = startProcess(
    process.execPath,
    [CLI, 'forward', '--data', dir, '--port', String(port), '--log-level', 'warn', ...extra],
    { env: { METERD_FORWARD_TOKEN: TOKEN, ...env } },
  );
  children.push(child);
  await waitForPort(port, { timeoutMs: 15_000 });
  return { port, child };
}

const results = {
  machine: { cpus: os.cpus().length, load: os.loadavg() },
  ingest: [],
  drain: null,
};
try {
  const repeats = Number(args.repeats);
  const seconds = Number(args.seconds);
  const connections = Number(args.connections);
  for (const size of [100, 1000]) {
    const floor = [];
    const forward = [];
    for (let r = 0; r < repeats; r++) {
      const fdir = mkdtempSync(join(work, 'floor-'));
      const port = await freePort();
      const f = startProcess(process.execPath, [
        join(ROOT, 'bench/lib/forward-floor.mjs'),
        String(port),
        fdir,
      ]);
      children.push(f);
      await waitForPort(port);
      floor.push(await load(port, size, seconds, connections, false));
      await f.stop();
      const dir = mkdtempSync(join(work, 'fwd-'));
      // No target is called: hours stay open during the measurement.
      const fw = await startForwarder(dir, [
        '--close-after-seconds',
        '36000',
        '--target-endpoint',
        'http://127.0.0.1:9',
      ]);
      forward.push(await load(fw.port, size, seconds, connections));
      await fw.child.stop();
    }
    const row = {
      batch: size,
      floor: median(floor),
      forward: median(forward),
      floorRuns: floor,
      forwardRuns: forward,
    };
    row.ratio = row.forward / row.floor;
    results.ingest.push(row);
    console.log(
      `batch ${size}: forward ${Math.round(row.forward)} events/s (runs ${forward.map(Math.round).join(', ')}), floor ${Math.round(row.floor)} events/s (runs ${floor.map(Math.round).join(', ')}), ratio ${row.ratio.toFixed(2)}`,
    );
  }

  if (!args['no-drain']) {
    const n = Number(args['drain-events']);
    const customers = Number(args['drain-customers']);
    const target = await startMeterd({
      catalog: {
        accounts: [
          {
            accountId: '111111111111',
            name: 'bench-seller',
            accessKeys: [
              { accessKeyId: 'AKIABENCHSELLER00001', secretAccessKey: 'bench-seller-secret' },
            ],
          },
        ],
        products: [
          {
            productCode: 'bench-saas',
            sellerAccountId: '111111111111',
            type: 'saas',
            dimensions: ['d0', 'd1', 'd2', 'd3'],
          },
        ],
        agreements: Array.from({ length: customers }, (_, i) => ({
          productCode: 'bench-saas',
          customerAWSAccountId: String(300000000000 + i),
        })),
      },
    });
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIABENCHSELLER00001',
      AWS_SECRET_ACCESS_KEY: 'bench-seller-secret',
    };
    const common = ['--target-endpoint', target.url, '--region', 'us-east-1', '--rate', args.rate];
    try {
      const dir = mkdtempSync(join(work, 'drain-'));
      let fw = await startForwarder(dir, [...common, '--close-after-seconds', '36000'], env);
      const ingestStart = performance.now();
      for (let sent = 0; sent < n; sent += 1000) {
        const b = body(Math.min(1000, n - sent), customers);
        const r = await fetch(`http://127.0.0.1:${fw.port}/v1/usage-events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: b,
        });
        if (r.status !== 200) throw new Error(await r.text());
      }
      const ingestSeconds = (performance.now() - ingestStart) / 1000;
      await fw.child.stop();
      fw = await startForwarder(dir, [...common, '--close-after-seconds', '0'], env);
      const start = performance.now();
      let rows;
      for (;;) {
        const r = await fetch(`http://127.0.0.1:${fw.port}/v1/reconciliation`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        rows = (await r.json()).rows;
        if (rows.length > 0 && rows.every((x) => x.pending === 0)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const drainSeconds = (performance.now() - start) / 1000;
      const accepted = rows.reduce((t, x) => t + x.accepted, 0);
      const ingested = rows.reduce((t, x) => t + x.ingested, 0);
      results.drain = {
        events: n,
        records: rows.length,
        rate: Number(args.rate),
        ingestSeconds,
        drainSeconds,
        accepted,
        ingested,
      };
      console.log(
        `drain: ${n} events of one hour → ${rows.length} records in ${Math.ceil(rows.length / 25)} calls at ≤${args.rate} calls/s: ${drainSeconds.toFixed(1)} s (ingest at batches of 1,000 from one connection took ${ingestSeconds.toFixed(1)} s); quantity accepted ${accepted} of ${ingested} ingested`,
      );
      await fw.child.stop();
    } finally {
      await target.stop();
    }
  }
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(
    ROOT,
    `bench/results/forward-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`wrote ${file}`);
} finally {
  for (const c of children) if (c.running()) await c.stop();
  rmSync(work, { recursive: true, force: true });
}
