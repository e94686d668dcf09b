// `npm run bench`: meterd (embedded SQLite, durable defaults, SigV4 on) against the ceiling of
// Node HTTP on this machine and moto_server, driven by wrk (or a Node generator) from another
// process; then meterd on PostgreSQL (one and two instances on one fresh database) when a server
// answers; writes bench/results/<time>.json and the tables of bench/README.md. See README.md.
//   node bench/run.mjs [--quick] [--no-moto] [--no-postgres] [--postgres-url URL] [--no-readme]
//                      [--generator node]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { busyNote, health, snapshot } from './lib/health.mjs';
import { detectGenerator, runLoad, writePool } from './lib/load.mjs';
import { createDatabase, detectPostgres, verifyPostgres } from './lib/postgres.mjs';
import { closeStore, countUsage, openStore, prefillTo } from './lib/prefill.mjs';
import { evaluate, markdown, updateReadme } from './lib/report.mjs';
import {
  ROOT,
  detectMoto,
  freePort,
  killAll,
  rssMiB,
  startCeiling,
  startFloor,
  startMeterd,
  startMoto,
} from './lib/servers.mjs';
import { crossCheck, rawRequest, signCall } from './lib/sign.mjs';
import { verifyAcknowledged } from './lib/verify.mjs';
import {
  AMI_CAPACITY,
  CUSTOMERS,
  PRODUCTS,
  RECORDS_PER_REQUEST,
  SAAS_CAPACITY,
  SELLER,
  amiRequest,
  catalogDocument,
  customerAccount,
  productCode,
  saasRequest,
  windowHours,
} from './lib/workload.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-moto': { type: 'boolean', default: false },
    'no-postgres': { type: 'boolean', default: false },
    // A server and a user allowed to create databases: each run creates its own and drops it.
    'postgres-url': {
      type: 'string',
      default:
        process.env.METERD_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    'no-readme': { type: 'boolean', default: false },
    generator: { type: 'string' },
  },
});

// How long each measurement runs, and the store sizes of the store-growth points.
const Q = args.quick;
const CONFIG = {
  sweep: [1, 2, 4, 8, 16, 32, 64, 128],
  headlineConnections: 32,
  sweepSeconds: Q ? 2 : 5,
  ceilingSeconds: Q ? 2 : 4,
  motoSeconds: Q ? 2 : 6,
  growthSeconds: Q ? 3 : 8,
  warmupSeconds: Q ? 1 : 2,
  operationSeconds: Q ? 2 : 5,
  storeSizes: Q ? [1e4, 1e5] : [1e5, 1e6, 1e7],
  // The headline comparison: meterd, the durable floor, the ceiling and moto, one after the
  // other, this many rounds, each figure the median of its runs.
  rounds: 3,
  roundSeconds: Q ? 2 : 5,
  registrationTokens: 200,
};

const log = (...m) =>
  console.log(`[bench ${((Date.now() - T0) / 1000).toFixed(0).padStart(3)}s]`, ...m);
const T0 = Date.now();
const loadAverage = () => os.loadavg().map((n) => Number(n.toFixed(2)));
const work = mkdtempSync(join(os.tmpdir(), 'meterd-bench-'));
const cleanup = () => {
  killAll();
  rmSync(work, { recursive: true, force: true });
};
for (const event of ['uncaughtException', 'unhandledRejection'])
  process.once(event, (error) => {
    cleanup();
    console.error(error);
    process.exit(1);
  });
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });

// ---- preparation ---------------------------------------------------------------------------

const generator = args.generator === 'node' ? detectGenerator({ wrk: false }) : detectGenerator();
const moto = args['no-moto'] ? null : detectMoto();
log(`load generator: ${generator.version}`);
if (generator.name !== 'wrk')
  log(
    'NOTE: wrk is not installed (apt-get install wrk): using the Node generator (bench/lib/node-load.mjs), which shares the CPUs with the servers; on 2 cores it can cap the ceiling rows.',
  );
log(
  moto
    ? `moto ${moto.version}`
    : args['no-moto']
      ? 'NOTE: --no-moto: skipping moto.'
      : 'NOTE: moto is not installed (pip install "moto[server]"); skipping it.',
);
const postgresUrl = args['postgres-url'];
const postgresProbe = args['no-postgres'] ? null : await detectPostgres(postgresUrl);
const postgres = postgresProbe?.version ? postgresProbe : null;
const postgresShown = postgresUrl.replace(/\/\/[^@/]*@/, '//…@');
log(
  postgres
    ? `PostgreSQL ${postgres.version} at ${postgresShown}`
    : args['no-postgres']
      ? 'NOTE: --no-postgres: skipping the PostgreSQL rows.'
      : `NOTE: no PostgreSQL server answers at ${postgresShown} (${postgresProbe.error}); skipping the PostgreSQL rows (--postgres-url or METERD_BENCH_POSTGRES_URL to point elsewhere).`,
);

const hours = windowHours();
const catalogFile = join(work, 'catalog.json');
writeFileSync(catalogFile, JSON.stringify(catalogDocument()));
await crossCheck({
  host: '127.0.0.1:1',
  operation: 'BatchMeterUsage',
  body: saasRequest(0, hours),
  key: SELLER,
  signingDate: new Date(),
});

/** Writes a pool of `count` signed calls made by `make(i)` for a server on `port`. */
function pool(name, port, count, make) {
  const signingDate = new Date();
  const host = `127.0.0.1:${port}`;
  const requests = [];
  for (let i = 0; i < count; i++) {
    const { operation, body, key } = make(i);
    requests.push(rawRequest(signCall({ host, operation, body, key, signingDate })));
  }
  const file = join(work, `${name}.pool`);
  writePool(file, requests);
  return file;
}

/** Runs one measurement; samples the server's resident memory while it runs. */
async function measure({ server, poolFile, mode, connections, seconds, tag, records = 0 }) {
  let peak = 0;
  const sample = () => {
    const rss = rssMiB(server.pid, 'VmRSS');
    if (rss !== null && rss > peak) peak = rss;
  };
  const timer = setInterval(sample, 200);
  const before = snapshot([server.pid]);
  const r = await runLoad({
    generator,
    port: server.port,
    pool: poolFile,
    mode,
    connections,
    seconds,
    workDir: work,
    tag,
  });
  const cost = health(before, snapshot([server.pid]));
  clearInterval(timer);
  sample();
  const busy = busyNote(cost);
  // Both generators hold each connection's first request until all are open (see pool.lua).
  const seconds_ = (r.durationUs - (r.holdUs ?? 0)) / 1e6;
  const ok = mode === 'plain' ? r.requests - r.errors.status : (r.statuses['200'] ?? 0) - r.partial;
  return {
    connections,
    seconds: Number(seconds_.toFixed(2)),
    requests: r.requests,
    ok,
    rps: Math.round(r.requests / seconds_),
    recordsPerSecond: records ? Math.round((ok * records) / seconds_) : undefined,
    latencyUs: r.latencyUs,
    statuses: r.statuses,
    errors: r.errors,
    partial: r.partial,
    poolSize: r.poolSize,
    wrapped: r.sent > r.poolSize,
    peakRssMiB: peak,
    peakRssMiBSinceStart: server.peakRssMiB(),
    sampleError: r.sample || undefined,
    acked: r.acked,
    health: cost,
    notes: [
      busy ? `busy machine: ${busy}` : '',
      r.requests !== ok ? `${r.requests - ok} not all-Success` : '',
      mode === 'bmu' && r.sent > r.poolSize
        ? `pool of ${r.poolSize} wrapped: some records deduplicated`
        : '',
    ]
      .filter(Boolean)
      .join('; '),
  };
}

const strip = ({ acked: _, ...p }) => p;

// ---- the ceiling and moto ------------------------------------------------------------------

const run = {
  startedAt: new Date(T0).toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverageStart: loadAverage(),
  },
  generator,
  config: { ...CONFIG, recordsPerRequest: RECORDS_PER_REQUEST, saasCapacity: SAAS_CAPACITY },
  ceiling: { sweep: [] },
  moto: {},
  meterd: { storeGrowth: [], sweep: [] },
  postgres: postgres
    ? { version: postgres.version }
    : {
        skipped: args['no-postgres']
          ? '--no-postgres'
          : `no PostgreSQL server answers at ${postgresShown}`,
      },
};

{
  const port = await freePort();
  const server = await startCeiling({ port });
  const file = pool('ceiling', port, Q ? 5_000 : 20_000, (i) => ({
    operation: 'BatchMeterUsage',
    body: saasRequest(i, hours),
    key: SELLER,
  }));
  for (const connections of CONFIG.sweep) {
    const p = await measure({
      server,
      poolFile: file,
      mode: 'plain',
      connections,
      seconds: CONFIG.ceilingSeconds,
      tag: `ceiling-${connections}`,
      records: RECORDS_PER_REQUEST,
    });
    run.ceiling.sweep.push(strip(p));
    log(
      `ceiling ${connections} connections: ${p.rps} requests/s, p99 ${(p.latencyUs.p99 / 1000).toFixed(1)} ms`,
    );
  }
  run.ceiling.peakRssMiB = await server.stop();
}

run.moto = moto
  ? { version: moto.version }
  : { skipped: args['no-moto'] ? '--no-moto' : 'moto is not installed' };

// ---- meterd --------------------------------------------------------------------------------

const dataDir = join(work, 'meterd-data');
const adminToken = 'bench-admin-token';
const saasAcks = [];
const meterUsageIds = [];
let nextRequest = 0; // BatchMeterUsage request numbers, never reused while capacity lasts
let expectedRps = 2_000;
let stored = 0; // usage records in the store: counted after each prefill, then acknowledged ones added

async function meterd() {
  const port = await freePort();
  const t = Date.now();
  const server = await startMeterd({ port, dataDir, catalog: catalogFile, adminToken });
  log(
    `meterd started in ${((Date.now() - t) / 1000).toFixed(1)} s (catalog of ${PRODUCTS * CUSTOMERS} SaaS agreements)`,
  );
  return server;
}

async function batchMeterUsage(server, connections, seconds, tag) {
  const storedAtStart = stored;
  const count = Math.ceil(expectedRps * 1.5 * seconds) + 2_000;
  const first = nextRequest;
  nextRequest += count;
  const file = pool(tag, server.port, count, (i) => ({
    operation: 'BatchMeterUsage',
    body: saasRequest(first + i, hours),
    key: SELLER,
  }));
  const p = await measure({
    server,
    poolFile: file,
    mode: 'bmu',
    connections,
    seconds,
    tag,
    records: RECORDS_PER_REQUEST,
  });
  saasAcks.push(...p.acked);
  stored += p.acked.length * RECORDS_PER_REQUEST;
  if (p.rps > expectedRps) expectedRps = p.rps;
  // Past the workload's distinct cells, requests repeat earlier ones with other quantities.
  if (first + count > SAAS_CAPACITY / RECORDS_PER_REQUEST) {
    log(`NOTE: ${tag} went past the workload's ${SAAS_CAPACITY} distinct records`);
    p.notes = [p.notes, 'past the workload’s distinct records: some repeat (DuplicateRecord)']
      .filter(Boolean)
      .join('; ');
  }
  return { ...strip(p), storedAtStart };
}

function storeSize() {
  const db = openStore(dataDir);
  try {
    return countUsage(db);
  } finally {
    closeStore(db);
  }
}

// Creates the database and applies the catalog once, so that the prefill finds the schema.
await (await meterd()).stop();

let server;
for (const [i, size] of CONFIG.storeSizes.entries()) {
  const db = openStore(dataDir);
  const filled = prefillTo(db, size);
  closeStore(db);
  stored = filled.rows;
  log(
    `store: ${filled.rows.toLocaleString('en-US')} usage records (prefill ${filled.seconds.toFixed(1)} s)`,
  );
  server = await meterd();
  await batchMeterUsage(server, CONFIG.headlineConnections, CONFIG.warmupSeconds, `warmup-${i}`);
  const p = await batchMeterUsage(
    server,
    CONFIG.headlineConnections,
    CONFIG.growthSeconds,
    `growth-${i}`,
  );
  run.meterd.storeGrowth.push(p);
  log(
    `meterd @${p.storedAtStart.toLocaleString('en-US')} stored: ${p.rps} requests/s, p99 ${(p.latencyUs.p99 / 1000).toFixed(1)} ms`,
  );

  if (i === Math.min(1, CONFIG.storeSizes.length - 1)) {
    // The connection sweep and the other operations run on this mid-sized store.
    for (const connections of CONFIG.sweep) {
      const q = await batchMeterUsage(
        server,
        connections,
        CONFIG.sweepSeconds,
        `sweep-${connections}`,
      );
      run.meterd.sweep.push(q);
      log(
        `meterd ${connections} connections: ${q.rps} requests/s, p99 ${(q.latencyUs.p99 / 1000).toFixed(1)} ms${q.notes ? ` (${q.notes})` : ''}`,
      );
    }
    run.headline = await headline(server);
    run.meterd.meterUsage = await meterUsagePoint(server);
    run.meterd.resolveCustomer = await resolveCustomerPoint(server);
  }
  run.meterd.peakRssMiB = Math.max(run.meterd.peakRssMiB ?? 0, (await server.stop()) ?? 0);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One figure of alternating runs: the median point, with each quantity's range and the runs. */
function summarize(runs) {
  const of = (f) => {
    const xs = runs.map(f).filter((x) => x !== null && x !== undefined);
    return xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) } : null;
  };
  const rps = of((p) => p.rps);
  const p99 = of((p) => p.latencyUs.p99);
  const spread = rps && rps.median ? (rps.max - rps.min) / rps.median : null;
  return {
    connections: runs[0].connections,
    storedAtStart: runs[0].storedAtStart,
    rps: Math.round(rps.median),
    recordsPerSecond: of((p) => p.recordsPerSecond)?.median,
    latencyUs: { p50: of((p) => p.latencyUs.p50).median, p99: p99.median },
    peakRssMiB: Math.max(...runs.map((p) => p.peakRssMiB ?? 0)),
    range: { rps, p99Us: p99, spread },
    health: {
      generatorCores: of((p) => p.health?.generatorCores),
      serverCores: of((p) => p.health?.serverCores),
      othersCores: of((p) => p.health?.othersCores),
      stealPercent: of((p) => p.health?.stealPercent),
    },
    runs,
    notes: [
      `median of ${runs.length} alternating runs: ${runs.map((p) => p.rps).join(', ')} requests/s (spread ${spread === null ? '–' : `${Math.round(100 * spread)} %`}); p99 ${(p99.min / 1000).toFixed(1)}–${(p99.max / 1000).toFixed(1)} ms`,
      ...new Set(runs.map((p) => p.notes).filter(Boolean)),
    ].join('; '),
  };
}

/**
 * The headline comparison at 32 connections: meterd (on the store as it stands), the durable
 * floor, the ceiling and moto, one after the other, CONFIG.rounds times, so that a slow spell of
 * the machine falls on all of them; each figure is the median of its runs.
 */
async function headline(meterdServer) {
  const connections = CONFIG.headlineConnections;
  const seconds = CONFIG.roundSeconds;
  const floorDir = join(work, 'floor');
  mkdirSync(floorDir, { recursive: true });
  const started = [];
  const up = async (make) => {
    const s = await make(await freePort());
    started.push(s);
    return s;
  };
  const bodies = (name, server, count) =>
    pool(name, server.port, count, (i) => ({
      operation: 'BatchMeterUsage',
      body: saasRequest(i, hours),
      key: SELLER,
    }));
  const runs = { meterd: [], floor: [], ceiling: [], moto: [] };
  try {
    const floor = await up((port) => startFloor({ port, dir: floorDir }));
    const ceiling = await up((port) => startCeiling({ port }));
    const motoServer = moto ? await up((port) => startMoto({ port, moto })) : null;
    // The floor answers in BatchMeterUsage's shape and is read as meterd is (mode bmu); its pool
    // wraps around freely, as it keeps no dedupe.
    const others = [
      ['floor', floor, bodies('alt-floor', floor, Q ? 10_000 : 40_000), 'bmu'],
      ['ceiling', ceiling, bodies('alt-ceiling', ceiling, Q ? 5_000 : 20_000), 'plain'],
      ...(motoServer ? [['moto', motoServer, bodies('alt-moto', motoServer, 5_000), 'plain']] : []),
    ];
    for (const [name, server, poolFile, mode] of others.slice(0, 2))
      await measure({
        server,
        poolFile,
        mode,
        connections,
        seconds: CONFIG.warmupSeconds,
        tag: `alt-${name}-warmup`,
      });
    for (let r = 0; r < CONFIG.rounds; r++) {
      const m = await batchMeterUsage(meterdServer, connections, seconds, `alt-meterd-${r}`);
      runs.meterd.push(m);
      const shown = [`meterd ${m.rps}`];
      for (const [name, server, poolFile, mode] of others) {
        const p = strip(
          await measure({
            server,
            poolFile,
            mode,
            connections,
            seconds,
            tag: `alt-${name}-${r}`,
            records: RECORDS_PER_REQUEST,
          }),
        );
        if (name !== 'meterd')
          p.notes = p.notes.replace(/(; )?pool of \d+ wrapped: some records deduplicated/, '');
        runs[name].push(p);
        shown.push(`${name} ${p.rps}`);
      }
      log(
        `round ${r + 1} of ${CONFIG.rounds} at ${connections} connections: ${shown.join(', ')} requests/s`,
      );
    }
  } finally {
    for (const s of started) await s.stop();
  }
  return Object.fromEntries(
    Object.entries(runs)
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => [k, summarize(v)]),
  );
}

async function meterUsagePoint(server) {
  const seconds = CONFIG.operationSeconds;
  const count = Math.min(AMI_CAPACITY, Math.ceil(expectedRps * 4 * seconds) + 2_000);
  const file = pool('meter-usage', server.port, count, (j) => ({
    operation: 'MeterUsage',
    ...amiRequest(j, hours),
  }));
  const p = await measure({
    server,
    poolFile: file,
    mode: 'mu',
    connections: CONFIG.headlineConnections,
    seconds,
    tag: 'meter-usage',
    records: 1,
  });
  meterUsageIds.push(...p.acked);
  stored += p.acked.length;
  log(`meterd MeterUsage: ${p.rps} requests/s, p99 ${(p.latencyUs.p99 / 1000).toFixed(1)} ms`);
  return { ...strip(p), storedAtStart: stored - p.acked.length };
}

async function resolveCustomerPoint(server) {
  const tokens = [];
  for (let i = 0; i < CONFIG.registrationTokens; i++) {
    const res = await fetch(`http://127.0.0.1:${server.port}/admin/v1/registration-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        productCode: productCode(i % PRODUCTS),
        customerAWSAccountId: customerAccount(i % PRODUCTS, i),
      }),
    });
    if (res.status !== 201)
      throw new Error(`minting a registration token: ${res.status} ${await res.text()}`);
    tokens.push((await res.json()).registrationToken);
  }
  const file = pool('resolve-customer', server.port, 20_000, (i) => ({
    operation: 'ResolveCustomer',
    body: JSON.stringify({ RegistrationToken: tokens[i % tokens.length] }),
    key: SELLER,
  }));
  const p = await measure({
    server,
    poolFile: file,
    mode: 'plain',
    connections: CONFIG.headlineConnections,
    seconds: CONFIG.operationSeconds,
    tag: 'resolve-customer',
  });
  log(`meterd ResolveCustomer: ${p.rps} requests/s, p99 ${(p.latencyUs.p99 / 1000).toFixed(1)} ms`);
  return { ...strip(p), storedAtStart: stored };
}

// ---- meterd on PostgreSQL ------------------------------------------------------------------
// Two instances on one fresh database, both started (together) with the same catalog. (a) 32
// connections to the first while the second idles; (b) 16 connections to each from two wrk
// processes started together. Each measurement gets its own slice of request numbers (a
// counter of its own, from 0: the database holds only these runs' records), so nothing
// deduplicates, within an instance or between the two.

async function postgresRuns() {
  const db = await createDatabase(postgresUrl);
  const acks = [];
  let next = 0;
  let storedPg = 0;
  const slice = (server, seconds, tag) => {
    const count = Math.ceil(expectedRps * 1.5 * seconds) + 2_000;
    const first = next;
    next += count;
    return pool(tag, server.port, count, (i) => ({
      operation: 'BatchMeterUsage',
      body: saasRequest(first + i, hours),
      key: SELLER,
    }));
  };
  const bmu = async (server, connections, seconds, tag) => {
    const p = await measure({
      server,
      poolFile: slice(server, seconds, tag),
      mode: 'bmu',
      connections,
      seconds,
      tag,
      records: RECORDS_PER_REQUEST,
    });
    acks.push(...p.acked);
    return p;
  };
  /** Both instances at once, `connections` each; requests/s summed, latency the worse one's. */
  const both = async (servers, connections, seconds, tag) => {
    const storedAtStart = storedPg;
    const ps = await Promise.all(
      servers.map((server, k) => bmu(server, connections, seconds, `${tag}-${k}`)),
    );
    const sum = (f) => ps.reduce((n, p) => n + (f(p) ?? 0), 0);
    storedPg += sum((p) => p.acked.length) * RECORDS_PER_REQUEST;
    const latency = (k) => Math.max(...ps.map((p) => p.latencyUs[k]));
    const shown = ps
      .map(
        (p, k) =>
          `${String.fromCharCode(65 + k)} ${p.rps} requests/s, p50 ${(p.latencyUs.p50 / 1000).toFixed(1)} / p99 ${(p.latencyUs.p99 / 1000).toFixed(1)} ms`,
      )
      .join('; ');
    return {
      connections: connections * servers.length,
      seconds: Math.max(...ps.map((p) => p.seconds)),
      requests: sum((p) => p.requests),
      ok: sum((p) => p.ok),
      rps: sum((p) => p.rps),
      recordsPerSecond: sum((p) => p.recordsPerSecond),
      latencyUs: { p50: latency('p50'), p99: latency('p99') },
      peakRssMiB: Math.max(...ps.map((p) => p.peakRssMiB)),
      storedAtStart,
      instances: ps.map(strip),
      notes: [
        `${servers.length} instances × ${connections} connections, one wrk each, started together: requests/s summed, p50/p99 the worse instance's (${shown})`,
        ...ps.map((p) => p.notes),
      ]
        .filter(Boolean)
        .join('; '),
    };
  };
  let servers = [];
  try {
    const t = Date.now();
    servers = await Promise.all(
      [0, 1].map(async () =>
        startMeterd({
          port: await freePort(),
          dataDir: join(work, 'postgres-unused'),
          catalog: catalogFile,
          adminToken,
          databaseUrl: db.url,
        }),
      ),
    );
    run.postgres.startSeconds = Number(((Date.now() - t) / 1000).toFixed(1));
    log(
      `meterd ×2 on PostgreSQL (database ${db.name}) started together in ${run.postgres.startSeconds} s`,
    );
    const seconds = CONFIG.sweepSeconds;
    const c = CONFIG.headlineConnections;
    const w = await bmu(servers[0], c, CONFIG.warmupSeconds, 'pg1-warmup');
    storedPg += w.acked.length * RECORDS_PER_REQUEST;
    const one = await bmu(servers[0], c, seconds, 'pg1');
    run.postgres.oneInstance = { ...strip(one), storedAtStart: storedPg };
    storedPg += one.acked.length * RECORDS_PER_REQUEST;
    run.postgres.oneInstance.notes = [
      'the second instance is up and idle',
      run.postgres.oneInstance.notes,
    ]
      .filter(Boolean)
      .join('; ');
    log(
      `meterd on PostgreSQL, 1 instance, ${c} connections: ${one.rps} requests/s, p99 ${(one.latencyUs.p99 / 1000).toFixed(1)} ms`,
    );
    await both(servers, c / 2, CONFIG.warmupSeconds, 'pg2-warmup');
    run.postgres.twoInstances = await both(servers, c / 2, seconds, 'pg2');
    log(
      `meterd on PostgreSQL, 2 instances × ${c / 2} connections: ${run.postgres.twoInstances.rps} requests/s (${run.postgres.twoInstances.instances.map((p) => p.rps).join(' + ')}), worse p99 ${(run.postgres.twoInstances.latencyUs.p99 / 1000).toFixed(1)} ms`,
    );
    for (const s of servers)
      run.postgres.peakRssMiB = Math.max(run.postgres.peakRssMiB ?? 0, (await s.stop()) ?? 0);
    servers = [];
    run.postgres.verification = await verifyPostgres(db.url, { saasAcks: acks, hours });
    log(
      `PostgreSQL verification: ${run.postgres.verification.checkedRecords} records checked, ${run.postgres.verification.missing} missing (${run.postgres.verification.seconds.toFixed(1)} s)`,
    );
  } finally {
    for (const s of servers) await s.stop();
    await db.drop();
  }
}

if (postgres) await postgresRuns();

// ---- verification and results --------------------------------------------------------------

log(
  `verifying ${saasAcks.length.toLocaleString('en-US')} acknowledged BatchMeterUsage calls and ${meterUsageIds.length.toLocaleString('en-US')} MeterUsage records`,
);
run.verification = verifyAcknowledged(dataDir, { saasAcks, meterUsageIds, hours });
run.verification.storedRecordsAtEnd = storeSize();
log(
  `verification: ${run.verification.checkedRecords} records checked, ${run.verification.missing} missing (${run.verification.seconds.toFixed(1)} s)`,
);

const at32 = (list) => list?.find((p) => p.connections === CONFIG.headlineConnections);
const h = run.headline ?? {};
const over = (a, b) => (a && b ? a.rps / b.rps : null);
const sqlite32 = h.meterd ?? at32(run.meterd.sweep);
run.ratios = {
  meterdOverFloor: over(h.meterd, h.floor),
  floorOverCeiling: over(h.floor, h.ceiling),
  meterdOverCeiling: over(h.meterd, h.ceiling),
  meterdOverMoto: over(h.meterd, h.moto),
  postgresOneOverSqlite: over(run.postgres.oneInstance, sqlite32),
  postgresTwoOverSqlite: over(run.postgres.twoInstances, sqlite32),
};
run.machine.loadAverageEnd = loadAverage();
// The machine's health over the run: the busiest measurement's other processes and steal.
{
  const all = [
    ...run.ceiling.sweep,
    ...run.meterd.storeGrowth,
    ...run.meterd.sweep,
    ...Object.values(h).flatMap((f) => f.runs),
    run.postgres.oneInstance,
  ].filter((p) => p?.health);
  const worst = (k) => Math.max(0, ...all.map((p) => p.health[k] ?? 0));
  run.health = {
    othersCoresMax: worst('othersCores'),
    stealPercentMax: worst('stealPercent'),
    generatorCoresMax: worst('generatorCores'),
    busyMeasurements: all.filter((p) => busyNote(p.health)).length,
    measurements: all.length,
  };
  run.health.warning =
    run.health.busyMeasurements > 0
      ? `the machine was busy during ${run.health.busyMeasurements} of ${run.health.measurements} measurements (other processes up to ${run.health.othersCoresMax} cores, steal up to ${run.health.stealPercentMax} %): compare ratios within this run, not absolute figures`
      : '';
  if (run.health.warning) log(`WARNING: ${run.health.warning}`);
}
run.durationSeconds = Math.round((Date.now() - T0) / 1000);
run.checks = evaluate(run);

// A --quick run is a smoke test: its JSON goes to the temporary directory, removed at the end.
const resultsDir = Q ? work : join(ROOT, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, `${run.startedAt.replace(/[:.]/g, '-')}.json`);
run.resultsFile = Q ? '(not kept: --quick)' : relative(ROOT, resultsFile);
writeFileSync(resultsFile, `${JSON.stringify(run, null, 2)}\n`);
const section = markdown(run);
if (!args['no-readme'] && !Q) {
  const readme = join(ROOT, 'bench', 'README.md');
  updateReadme(readme, section);
  const prettier = join(ROOT, 'node_modules', '.bin', 'prettier');
  if (existsSync(prettier)) spawnSync(prettier, ['--write', readme], { stdio: 'ignore' });
}
console.log(`\n${section}\n`);
log(`results: ${run.resultsFile}${!args['no-readme'] && !Q ? ' and bench/README.md' : ''}`);
cleanup();
const failed = run.verification.missing > 0 || (run.postgres.verification?.missing ?? 0) > 0;
process.exit(failed ? 1 : 0);
