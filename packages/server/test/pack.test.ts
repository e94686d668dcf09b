/**
 * @module The published packages install and run outside this repository. `npm pack` makes the
 * `meterd` and `@meterd/client` tarballs (each bundling the private @meterd/model, and `meterd`
 * also @meterd/forwarder, so that `npx meterd forward` runs from `meterd` alone), whose file
 * lists must be exactly what a user needs: README, LICENSE, package.json, the compiled code and
 * its type declarations, nothing else (no sources, tests, source maps or stale build output). The
 * tarballs are then installed into an empty project with `npm install --prefer-offline` (npm's
 * cache holds every dependency after `npm ci`), where `npx meterd serve` must answer `/healthz`
 * and a call signed with the demo's credentials through the AWS SDK, `npx meterd forward --help`
 * must print its flags and `npx meterd forward` take an event and send it to that meterd, and
 * `@meterd/client` must import and make a call. To keep the run short, better-sqlite3 is not compiled again: the
 * project pins the version this repository installed and install scripts are skipped (neither
 * package has one of its own), and its native module is copied from this repository's
 * install, which built or downloaded it for this very machine; only when that is missing is it
 * rebuilt (`npm rebuild better-sqlite3`). Skips only when npm itself cannot run.
 */

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  BatchMeterUsageCommand,
  MarketplaceMeteringClient,
} from '@aws-sdk/client-marketplace-metering';
import {
  TEST_BACKEND,
  freePort,
  startMeterd,
  startProcess,
  waitForPort,
  type Meterd,
} from '@meterd/testkit';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const npmWorks = spawnSync('npm', ['--version'], { stdio: 'ignore' }).status === 0;

interface Packed {
  name: string;
  filename: string;
  files: Array<{ path: string }>;
  bundled: string[];
}

/** The files a package must ship beside its compiled code, and what its code may be: the built
 * console and the forwarder's status page are each a page, and a script and a style sheet named
 * by their hash. */
const SHIPPED =
  /^(LICENSE|README\.md|package\.json|bin\/meterd\.js|dist\/console\/(index\.html|assets\/main-[A-Z0-9]+\.(js|css))|dist\/.+\.(js|d\.ts)|node_modules\/@meterd\/(model|forwarder)\/(package\.json|dist\/.+\.(js|d\.ts))|node_modules\/@meterd\/forwarder\/dist\/status\/(index\.html|assets\/main-[A-Z0-9]+\.(js|css)))$/;
/** What each package bundles. */
const BUNDLED: Record<string, string[]> = {
  meterd: ['@meterd/forwarder', '@meterd/model'],
  '@meterd/client': ['@meterd/model'],
};
const FORWARDER = [
  'node_modules/@meterd/forwarder/package.json',
  'node_modules/@meterd/forwarder/dist/index.js',
  'node_modules/@meterd/forwarder/dist/store/postgres.js',
  'node_modules/@meterd/forwarder/dist/status/index.html',
];
const REQUIRED: Record<string, string[]> = {
  meterd: [
    'LICENSE',
    'README.md',
    'package.json',
    'bin/meterd.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'dist/console/index.html',
  ],
  '@meterd/client': ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts'],
};
const SOURCES: Record<string, string> = {
  meterd: 'packages/server',
  '@meterd/client': 'packages/client',
};
const MODEL = [
  'node_modules/@meterd/model/package.json',
  'node_modules/@meterd/model/dist/index.js',
];

describe('the packages, packed and installed into an empty project', () => {
  if (!npmWorks || TEST_BACKEND === 'postgres') {
    const skip = npmWorks
      ? 'independent of the storage backend: runs in the SQLite pass'
      : 'npm cannot run here';
    it('packs, installs and runs meterd and @meterd/client', { skip }, () => {});
    return;
  }

  let work: string;
  let app: string;
  let packed: Packed[];
  let meterd: Meterd | undefined;
  const timings: Record<string, number> = {};
  let installLog = '';
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await step();
    } finally {
      timings[name] = Math.round(performance.now() - start);
    }
  };

  before(async () => {
    // The empty project is a project of its own: the settings npm gave the run that started the
    // tests (`npm test`: its local prefix is this repository, its command) must not reach the npm
    // and npx run here. This file runs in a process of its own.
    for (const key of Object.keys(process.env)) if (key.startsWith('npm_')) delete process.env[key];
    work = mkdtempSync(join(tmpdir(), 'meterd-pack-'));
    app = join(work, 'app');
    const { stdout } = await timed('npm pack', () =>
      run(
        'npm',
        [
          'pack',
          '--json',
          '--pack-destination',
          work,
          '-w',
          'packages/server',
          '-w',
          'packages/client',
        ],
        { cwd: ROOT },
      ),
    );
    packed = JSON.parse(stdout) as Packed[];

    const sqlite = join(ROOT, 'node_modules/better-sqlite3');
    const version = (
      JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string }
    ).version;
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'app',
        private: true,
        type: 'module',
        overrides: { 'better-sqlite3': version },
      }),
    );
    const install = await timed('npm install', () =>
      run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--ignore-scripts',
          ...packed.map((p) => join(work, p.filename)),
        ],
        { cwd: app },
      ),
    );
    installLog = `${install.stdout}${install.stderr}`;
    const binary = 'build/Release/better_sqlite3.node';
    if (existsSync(join(sqlite, binary))) {
      mkdirSync(join(app, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
      copyFileSync(join(sqlite, binary), join(app, 'node_modules/better-sqlite3', binary));
    } else
      await timed('npm rebuild better-sqlite3', () =>
        run('npm', ['rebuild', 'better-sqlite3'], { cwd: app }),
      );
  });

  after(async () => {
    await meterd?.stop();
    rmSync(work, { recursive: true, force: true });
    const figures = Object.entries(timings).map(([step, ms]) => `${step} ${ms} ms`);
    console.log(`pack and install: ${figures.join(', ')}`);
  });

  it('installs on this Node without an engine warning (no dependency asks for a later Node)', () => {
    assert.doesNotMatch(installLog, /EBADENGINE/, installLog);
  });

  it('packs exactly README, LICENSE, package.json, the compiled code, the built console and the bundled model', () => {
    assert.deepEqual(packed.map((p) => p.name).sort(), ['@meterd/client', 'meterd']);
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      assert.deepEqual(
        files.filter((f) => !SHIPPED.test(f)),
        [],
        `${p.name} ships nothing else`,
      );
      for (const f of [...REQUIRED[p.name]!, ...MODEL, ...(p.name === 'meterd' ? FORWARDER : [])])
        assert.ok(files.includes(f), `${p.name} ships ${f}`);
      assert.deepEqual([...p.bundled].sort(), BUNDLED[p.name], `${p.name}'s bundle`);
      // Compiled from a source that exists: no stale output of a removed file.
      const stale = files
        .filter((f) => f.startsWith('dist/') && !f.startsWith('dist/console/') && f.endsWith('.js'))
        .filter(
          (f) =>
            !existsSync(
              join(ROOT, SOURCES[p.name]!, f.replace(/^dist/, 'src').replace(/\.js$/, '.ts')),
            ),
        );
      assert.deepEqual(stale, [], `${p.name}'s dist matches its sources`);
      const forwarderDist = 'node_modules/@meterd/forwarder/dist/';
      const staleForwarder = files
        .filter(
          (f) =>
            f.startsWith(forwarderDist) &&
            !f.startsWith(`${forwarderDist}status/`) &&
            f.endsWith('.js'),
        )
        .filter(
          (f) =>
            !existsSync(
              join(
                ROOT,
                'packages/forwarder/src',
                f.slice(forwarderDist.length).replace(/\.js$/, '.ts'),
              ),
            ),
        );
      assert.deepEqual(staleForwarder, [], `${p.name}'s bundled forwarder matches its sources`);
    }
  });

  it('runs `npx meterd serve`, which answers /healthz, the console and a signed call with the demo credentials', async () => {
    meterd = await timed('start', () =>
      startMeterd({ command: ['npx', 'meterd'], cwd: app, processGroup: true }),
    );
    const health = await fetch(`${meterd.url}/healthz`);
    assert.equal(health.status, 200);
    const consolePage = await fetch(`${meterd.url}/console/`);
    assert.equal(consolePage.status, 200);
    assert.match(
      await consolePage.text(),
      /<script type="module" src="assets\/main-[A-Z0-9]+\.js">/,
    );
    const client = new MarketplaceMeteringClient({
      endpoint: meterd.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIADEMOSELLER000001', secretAccessKey: 'demo-seller-secret' },
      maxAttempts: 1,
    });
    try {
      const out = await client.send(
        new BatchMeterUsageCommand({
          ProductCode: 'demo-saas',
          UsageRecords: [
            {
              Timestamp: new Date(),
              CustomerAWSAccountId: '222222222222',
              Dimension: 'requests',
              Quantity: 1,
            },
          ],
        }),
      );
      assert.equal(out.Results![0]!.Status, 'Success');
    } finally {
      client.destroy();
    }
  });

  it('runs `npx meterd forward` from the installed meterd alone, which sends an event to meterd', async () => {
    assert.ok(meterd, 'meterd runs (an earlier test)');
    const help = await run('npx', ['meterd', 'forward', '--help'], { cwd: app });
    assert.match(help.stdout, /--database-url <url>/);
    assert.match(help.stdout, /--target-endpoint <url>/);
    const port = await freePort();
    const token = 'pack-forward-token';
    const forward = startProcess(
      'npx',
      [
        'meterd',
        'forward',
        '--data',
        join(work, 'forward-data'),
        '--port',
        String(port),
        '--target-endpoint',
        meterd.url,
        '--region',
        'us-east-1',
        '--close-after-seconds',
        '0',
        '--log-level',
        'warn',
      ],
      {
        cwd: app,
        processGroup: true,
        env: {
          METERD_FORWARD_TOKEN: token,
          AWS_ACCESS_KEY_ID: 'AKIADEMOSELLER000001',
          AWS_SECRET_ACCESS_KEY: 'demo-seller-secret',
        },
      },
    );
    try {
      await waitForPort(port, { timeoutMs: 30_000 });
      const hour = Math.floor(Date.now() / 3_600_000) - 1;
      const res = await fetch(`http://127.0.0.1:${port}/v1/usage-events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          events: [
            {
              id: 'pack-1',
              productCode: 'demo-saas',
              customerIdentifier: 'demo-customer',
              dimension: 'requests',
              quantity: 7,
              timestamp: new Date(hour * 3_600_000 + 60_000).toISOString(),
            },
          ],
        }),
      });
      assert.deepEqual(await res.json(), { accepted: 1, duplicates: 0, rejected: [] });
      // The hour closes at once and is sent: the target holds the record.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const usage = await meterd.admin<{ records: Array<{ quantity: number }> }>(
          'GET',
          '/usage?productCode=demo-saas',
        );
        if (usage.body.records.some((r) => r.quantity === 7)) break;
        assert.ok(Date.now() < deadline, 'the forwarder did not send the hour');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await forward.stop();
    }
  });

  it('imports @meterd/client in the project and makes a call with it', async () => {
    assert.ok(meterd, 'meterd runs (the previous test)');
    const script = join(app, 'call.js');
    writeFileSync(
      script,
      [
        "const { marketplacemetering } = await import('@meterd/client');",
        'const svc = marketplacemetering({',
        "  credentials: { creds: { access_key_id: 'AKIADEMOBUYER0000001', secret_access_key: 'demo-buyer-secret' } },",
        `  endpoint: '${meterd.url}',`,
        "  region: 'us-east-1',",
        '});',
        "const out = await svc.meterUsage({ ProductCode: 'demo-ami', Timestamp: new Date(), UsageDimension: 'hours', UsageQuantity: 1 });",
        'console.log(out.MeteringRecordId);',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, [script], { cwd: app });
    const usage = await meterd.admin<{
      records: Array<{ meteringRecordId: string; productCode: string }>;
    }>('GET', '/usage?productCode=demo-ami');
    assert.deepEqual(
      usage.body.records.map((r) => r.meteringRecordId),
      [stdout.trim()],
    );
  });
});
