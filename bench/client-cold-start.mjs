// Cold start of @meterd/client beside @aws-sdk/client-marketplace-metering: install footprint,
// and the time a fresh `node` process takes to import each client and complete a first call
// against a local fake endpoint (median of several runs). Run after `npm run build`:
//   node bench/client-cold-start.mjs [--runs N] [--json FILE]
import { spawn } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '11' }, json: { type: 'string' } },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');

const CLIENT_DIR = join(root, 'packages', 'client');
const SDK_NAME = '@aws-sdk/client-marketplace-metering';
if (!existsSync(join(CLIENT_DIR, 'dist', 'index.js'))) {
  console.error('packages/client/dist/index.js is missing: run `npm run build` first.');
  process.exit(1);
}

// ---- install footprint -------------------------------------------------------------------

/** Bytes of the files under `dir`, not descending into node_modules. */
function bytesOf(dir, keep = () => true) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') total += bytesOf(path, keep);
    } else if (keep(path)) total += lstatSync(path).size;
  }
  return total;
}

/** Finds the directory of package `name` as Node would from `fromDir`. */
function resolvePackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** The production dependency closure of the package in `dir`: [realpath, name] pairs. */
function dependencyClosure(dir) {
  const seen = new Map();
  const queue = [dir];
  while (queue.length > 0) {
    const current = queue.shift();
    const manifest = JSON.parse(readFileSync(join(current, 'package.json'), 'utf8'));
    const names = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ];
    for (const name of names) {
      const found = resolvePackageDir(name, current);
      if (found && !seen.has(found)) {
        seen.set(found, name);
        queue.push(found);
      }
    }
  }
  return seen;
}

function footprint(label, ownBytes, dir) {
  const deps = dependencyClosure(dir);
  const depBytes = [...deps.keys()].reduce((sum, d) => sum + bytesOf(d), 0);
  return { label, ownBytes, packages: deps.size, depBytes, totalBytes: ownBytes + depBytes };
}

const published = (path) => !path.endsWith('.tsbuildinfo');
const clientOwn =
  bytesOf(join(CLIENT_DIR, 'dist'), published) +
  ['package.json', 'README.md']
    .map((f) => join(CLIENT_DIR, f))
    .filter((f) => existsSync(f))
    .reduce((sum, f) => sum + lstatSync(f).size, 0);
const sdkDir = resolvePackageDir(SDK_NAME, root);
if (!sdkDir) throw new Error(`${SDK_NAME} is not installed: run npm install`);
const footprints = [
  footprint('@meterd/client', clientOwn, CLIENT_DIR),
  footprint(SDK_NAME, bytesOf(sdkDir), sdkDir),
];

// ---- fake endpoint -----------------------------------------------------------------------

let requests = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    requests += 1;
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.setHeader('x-amzn-RequestId', '00000000-0000-4000-8000-000000000000');
    res.end('{"MeteringRecordId":"bench-record"}');
  });
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const endpoint = `http://127.0.0.1:${server.address().port}`;

// ---- timed child processes ---------------------------------------------------------------

const CREDS = { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' };
const INPUT = `{ ProductCode: 'bench', Timestamp: new Date(), UsageDimension: 'hours', UsageQuantity: 1 }`;

const OURS = '@meterd/client';
const FLOOR = 'floor: aws4 + node:http';

/** Child code for each client: import it (then set `t1`), make one MeterUsage call as `svc`. */
const CLIENTS = {
  [OURS]: (explicit) => `
    const { marketplacemetering } = await import('@meterd/client');
    const t1 = performance.now();
    const svc = marketplacemetering(${
      explicit
        ? `{ region: 'us-east-1', endpoint: '${endpoint}', credentials: { creds: { access_key_id: '${CREDS.accessKeyId}', secret_access_key: '${CREDS.secretAccessKey}' } } }`
        : ''
    });
    await svc.meterUsage(${INPUT});`,
  [SDK_NAME]: (explicit) => `
    const { MarketplaceMeteringClient, MeterUsageCommand } = await import('${SDK_NAME}');
    const t1 = performance.now();
    const svc = new MarketplaceMeteringClient(${
      explicit
        ? `{ region: 'us-east-1', endpoint: '${endpoint}', credentials: ${JSON.stringify(CREDS)} }`
        : '{}'
    });
    await svc.send(new MeterUsageCommand(${INPUT}));`,
  // The floor under any client that signs with aws4 and posts with node:http: those two alone,
  // with none of a client's own code (fixed credentials, region and endpoint, the same headers).
  [FLOOR]: () => `
    const { createRequire } = await import('node:module');
    const require = createRequire(${JSON.stringify(CLIENT_DIR + '/')});
    const aws4 = require('aws4');
    const { createHash } = await import('node:crypto');
    const http = await import('node:http');
    const t1 = performance.now();
    const body = JSON.stringify({ ProductCode: 'bench', Timestamp: Date.now() / 1000, UsageDimension: 'hours' });
    const url = new URL('${endpoint}');
    const signed = aws4.sign({ method: 'POST', host: url.host, path: '/', service: 'aws-marketplace', region: 'us-east-1', body,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSMPMeteringService.MeterUsage', host: url.host,
        'content-length': String(body.length), 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') } }, ${JSON.stringify(CREDS)});
    await new Promise((done, fail) => {
      const req = http.request({ hostname: url.hostname, port: url.port, method: 'POST', path: '/', headers: signed.headers }, (res) => { res.resume(); res.on('end', done); });
      req.on('error', fail);
      req.end(body);
    });
    const svc = { destroy() {} };`,
};

/** The child's program: import, make one call, report timings as JSON. */
function program(client, scenario) {
  return `const t0 = performance.now();
    ${CLIENTS[client](scenario === 'explicit credentials')}
    const t2 = performance.now();
    svc.destroy();
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, callMs: t2 - t1, totalMs: t2 - t0, sinceStartMs: t2 }));`;
}

const home = mkdtempSync(join(tmpdir(), 'cold-start-home-'));
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'NODE_OPTIONS'),
);

function runOnce(client, scenario) {
  const env = { ...baseEnv, HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
  if (scenario !== 'explicit credentials') {
    Object.assign(env, {
      AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: endpoint,
    });
  }
  const started = process.hrtime.bigint();
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--no-warnings', '--input-type=module', '-e', program(client, scenario)],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) fail(new Error(`${client} (${scenario}) exited ${code}: ${err}`));
      else done({ ...JSON.parse(out), wallMs });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const scenarios = ['explicit credentials', 'environment credentials'];
const clientsIn = (scenario) =>
  scenario === 'explicit credentials' ? [OURS, SDK_NAME, FLOOR] : [OURS, SDK_NAME];
const loadBefore = loadavg()[0];
const samples = {};
for (const scenario of scenarios) {
  for (const client of clientsIn(scenario)) await runOnce(client, scenario); // warm the file cache
  for (let i = 0; i < runs; i++) {
    for (const client of clientsIn(scenario)) {
      const key = `${scenario}|${client}`;
      (samples[key] ??= []).push(await runOnce(client, scenario));
    }
  }
}
server.close();

// ---- report ------------------------------------------------------------------------------

const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
const ms = (n) => `${n.toFixed(1)} ms`;

/** Prints rows under a header: the first column left-aligned, the others right-aligned. */
function table(header, rows, indent = '') {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    indent +
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

console.log('Install footprint (own files + production dependency closure in node_modules)');
table(
  ['package', 'own', 'deps', 'dep packages', 'total'],
  footprints.map((f) => [
    f.label,
    kb(f.ownBytes),
    kb(f.depBytes),
    String(f.packages),
    kb(f.totalBytes),
  ]),
  '  ',
);
const [ours, sdk] = footprints;
console.log(
  `  footprint ratio: ${((ours.totalBytes / sdk.totalBytes) * 100).toFixed(0)}% of the SDK's\n`,
);

console.log(
  `Cold start: a fresh node ${process.version} process for each run, median of ${runs} runs, against ${endpoint}`,
);
console.log(
  `  ${cpus().length} CPUs, load average ${loadBefore.toFixed(2)} before the runs and ${loadavg()[0].toFixed(2)} after`,
);
console.log(
  '  import+first call: from just before the dynamic import to the end of the first MeterUsage call',
);
const results = {
  node: process.version,
  runs,
  loadAverage: { before: loadBefore, after: loadavg()[0] },
  footprints,
  coldStart: [],
};
for (const scenario of scenarios) {
  console.log(`\n  ${scenario}:`);
  const row = {};
  for (const client of clientsIn(scenario)) {
    const s = samples[`${scenario}|${client}`];
    row[client] = {
      importMs: median(s.map((x) => x.importMs)),
      callMs: median(s.map((x) => x.callMs)),
      totalMs: median(s.map((x) => x.totalMs)),
      processWallMs: median(s.map((x) => x.wallMs)),
    };
  }
  const sdkTotal = row[SDK_NAME].totalMs;
  table(
    ['client', 'import', 'first call', 'import+first call', "of the SDK's", 'process wall'],
    Object.entries(row).map(([client, r]) => [
      client,
      ms(r.importMs),
      ms(r.callMs),
      ms(r.totalMs),
      `${((r.totalMs / sdkTotal) * 100).toFixed(0)}%`,
      ms(r.processWallMs),
    ]),
    '    ',
  );
  const ratio = row[OURS].totalMs / sdkTotal;
  console.log(
    `    ratio: ${(ratio * 100).toFixed(0)}% of the SDK's import+first call (goal: at most 50%: ${ratio <= 0.5 ? 'met' : 'not met'})`,
  );
  if (row[FLOOR]) {
    console.log(
      `    the client's own share above the floor: ${(row[OURS].totalMs - row[FLOOR].totalMs).toFixed(1)} ms`,
    );
  }
  results.coldStart.push({ scenario, ...row, ratio });
}
console.log(`\nrequests served by the fake endpoint: ${requests}`);
if (args.json) await writeFile(args.json, JSON.stringify(results, null, 2));
