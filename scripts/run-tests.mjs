// Runs every test with node's test runner (via tsx): unit tests and client tests once, the
// server's integration tests once per storage backend (SQLite, then PostgreSQL when reachable),
// and the forwarder's end-to-end run again on PostgreSQL (two forwarders on one database).
// Pass paths to run only those files or folders, on SQLite. Run after `npm run build` (the
// test kit is imported from its dist/).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { POSTGRES_URL, TEST_RUN, dropTestDatabases, probePostgres } from '@meterd/testkit';

const INTEGRATION = join('packages', 'server', 'test');
// Tests that exist to exercise PostgreSQL only (several instances on one database, outages).
const POSTGRES_ONLY = /(multi-instance|postgres-outage)\.test\.ts$/;
// Forwarder tests that read METERD_TEST_BACKEND: run in the PostgreSQL pass too.
const FORWARDER_ON_POSTGRES = [join('packages', 'forwarder', 'test', 'forward.test.ts')];
// Lines in which a test reports what it measured (kills survived, inputs fuzzed, ...).
const FIGURE =
  /^# (crash test(?: \([^)]*(?:\([^)]*\))?\))?|fuzz|authorization matrix|multi-instance|full disk|postgres outage|pack and install|forward end to end|forward benchmark|catalog apply(?: \([a-z]+\))?):/;

function testFiles(roots) {
  const files = [];
  for (const root of roots) {
    let st;
    try {
      st = statSync(root);
    } catch {
      continue;
    }
    if (st.isFile()) files.push(root);
    else
      for (const f of readdirSync(root, { recursive: true }))
        if (String(f).endsWith('.test.ts') && !String(f).includes('node_modules'))
          files.push(join(root, String(f)));
  }
  return files.sort();
}

/** Runs node --test on `files`; resolves with the summary counts it printed. */
function run(label, files, env = {}) {
  return new Promise((resolve) => {
    console.log(`\n=== ${label}: ${files.length} files`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=tap', ...files],
      {
        env: { ...process.env, METERD_TEST_RUN: TEST_RUN, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('exit', (code) => {
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
      resolve({
        figures: out.split('\n').filter((line) => FIGURE.test(line)),
        code: code ?? 1,
        pass: count('pass'),
        fail: count('fail') + count('cancelled'),
        skipped: count('skipped'),
      });
    });
  });
}

const args = process.argv.slice(2);
const runs = [];
if (args.length > 0) {
  runs.push(await run('selected tests (SQLite)', testFiles(args)));
} else {
  const packages = readdirSync('packages');
  const unit = testFiles(packages.map((p) => join('packages', p, 'src')));
  const client = testFiles([
    join('packages', 'client', 'test'),
    join('packages', 'forwarder', 'test'),
  ]);
  const integration = testFiles([INTEGRATION]);
  runs.push(
    await run('unit, client and integration tests on SQLite', [
      ...unit,
      ...client,
      ...integration.filter((f) => !POSTGRES_ONLY.test(f)),
    ]),
  );
  const { error: unreachable } = await probePostgres();
  if (unreachable) {
    console.log(
      `\n# SKIPPED: the integration tests on PostgreSQL (${integration.length + FORWARDER_ON_POSTGRES.length} files): no PostgreSQL server answered at ${POSTGRES_URL} (${unreachable}). Set METERD_TEST_POSTGRES_URL to run them.`,
    );
    runs.push({
      code: 0,
      pass: 0,
      fail: 0,
      skipped: integration.length + FORWARDER_ON_POSTGRES.length,
    });
  } else {
    runs.push(
      await run('integration tests on PostgreSQL', [...integration, ...FORWARDER_ON_POSTGRES], {
        METERD_TEST_BACKEND: 'postgres',
        METERD_TEST_POSTGRES_URL: POSTGRES_URL,
      }),
    );
    // What a test could not drop itself (a failure before its meterd stopped).
    await dropTestDatabases();
  }
}

const total = runs.reduce(
  (t, r) => ({ pass: t.pass + r.pass, fail: t.fail + r.fail, skipped: t.skipped + r.skipped }),
  { pass: 0, fail: 0, skipped: 0 },
);
console.log('\nfigures:');
for (const [i, r] of runs.entries())
  for (const line of r.figures ?? [])
    console.log(`  [${i === 0 ? 'sqlite' : 'postgres'}] ${line.slice(2)}`);
const failed = runs.some((r) => r.code !== 0) || total.fail > 0;
console.log(`\ntotal: ${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
process.exit(failed ? 1 : 0);
