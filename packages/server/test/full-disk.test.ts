/**
 * @module Full disks, for real: meterd's log on a full tmpfs keeps serving, and its data
 * directory on a full tmpfs refuses writes as retryable (UnprocessedRecords, ThrottlingException,
 * /readyz 503) and takes them again once space returns, without a restart and without losing or
 * doubling an acknowledged record. Needs root (to mount); skipped with the reason otherwise.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  MarketplaceMeteringClient,
  MeterUsageCommand,
  RegisterUsageCommand,
  ResolveCustomerCommand,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering';
import { freePort, startMeterd, TEST_BACKEND, type Meterd } from '@meterd/testkit';
import { CATALOG, KEYS, type Credentials } from './helpers/meterd.js';

/** A small tmpfs of its own, which a test fills and frees. */
interface Disk {
  dir: string;
  fill(): void;
  free(): void;
  unmount(): void;
}

const mounted: Disk[] = [];
after(() => {
  for (const disk of mounted.splice(0)) disk.unmount();
});

function mountTmpfs(size: string): Disk {
  const dir = mkdtempSync(join(tmpdir(), 'meterd-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const filler = join(dir, 'filler');
  const disk: Disk = {
    dir,
    // dd stops at the first ENOSPC: the file system is then full to the last block.
    fill: () =>
      void spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' }),
    free: () => rmSync(filler, { force: true }),
    unmount() {
      spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  mounted.push(disk);
  return disk;
}

/** Why these tests cannot run here, if they cannot. */
function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  try {
    mountTmpfs('64k');
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    for (const disk of mounted.splice(0)) disk.unmount();
  }
}
const skip = unavailable();
if (skip) console.log(`# full disk: skipped: ${skip}`);

function client(meterd: Meterd, credentials: Credentials) {
  return new MarketplaceMeteringClient({
    endpoint: meterd.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
}

/** `promise`, or a failure if it takes longer than `ms`: a hung call is what these tests catch. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not answered within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function metric(meterd: Meterd, name: string): Promise<number> {
  const text = await (await fetch(`${meterd.url}/metrics`)).text();
  const line = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(line, `${name} is exported`);
  return Number(line[1]);
}

const GLOBEX = '222222222222';

describe('a full log disk', { skip }, () => {
  it('keeps answering calls, drops and counts the lines, and logs again once space returns', async () => {
    const disk = mountTmpfs('64k');
    const log = join(disk.dir, 'meterd.log');
    const meterd = await startMeterd({
      catalog: CATALOG,
      backend: TEST_BACKEND,
      port: await freePort(),
      stdoutFile: log,
    });
    try {
      const acme = client(meterd, KEYS.acme);
      const batch = () =>
        acme.send(
          new BatchMeterUsageCommand({
            ProductCode: 'acme-saas',
            UsageRecords: [
              {
                Timestamp: new Date(Date.now() - 60_000),
                CustomerAWSAccountId: GLOBEX,
                Dimension: 'requests',
                Quantity: 1,
              },
            ],
          }),
        );
      disk.fill();
      for (let i = 0; i < 20; i++) {
        // A failure here says why: the cause of a refused connection, and whether meterd ended.
        const health = await within(2000, '/healthz', fetch(`${meterd.url}/healthz`)).catch(
          (error: Error) => {
            throw new Error(
              `/healthz: ${error.message} (${String((error.cause as Error | undefined)?.message ?? error.cause)}); meterd's exit code: ${meterd.process.exitCode}\n${meterd.output()}`,
            );
          },
        );
        assert.equal(health.status, 200);
        const out = await within(2000, 'BatchMeterUsage', batch());
        assert.equal(out.Results?.[0]?.Status, 'Success');
      }
      const dropped = await metric(meterd, 'meterd_log_lines_dropped_total');
      assert.ok(dropped >= 20, `the request lines were dropped and counted (${dropped})`);
      assert.match(meterd.output(), /writing the log failed: ENOSPC/);
      assert.equal(meterd.output().match(/log lines are dropped/g)?.length, 1, 'one warning');

      disk.free();
      const freed = Date.now();
      // Logging resumes by itself: request lines reach the file again.
      const loggedSince = () =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => Number(/"time":(\d+)/.exec(line)?.[1]) >= freed).length;
      const deadline = freed + 5000;
      while (loggedSince() < 2 && Date.now() < deadline) {
        await within(2000, '/healthz', fetch(`${meterd.url}/healthz`));
        await sleep(200);
      }
      assert.ok(loggedSince() >= 2, `logging resumed:\n${meterd.output()}`);
      assert.match(meterd.output(), /log destination takes writes again/);
      assert.equal(meterd.process.exitCode, null, 'meterd still runs');
      assert.equal(
        (await within(2000, 'BatchMeterUsage', batch())).Results?.[0]?.Status,
        'Success',
      );
      acme.destroy();
    } finally {
      await meterd.stop();
      disk.unmount();
    }
  });
});

const PRODUCT = 'disk-saas';
const DIMENSIONS = Array.from({ length: 40 }, (_, i) => `d${i}`);
const CUSTOMERS = Array.from({ length: 50 }, (_, i) => String(600_000_000_000 + i));
const HOUR = 3600_000;
const BASE_HOUR = Math.floor(Date.now() / HOUR) * HOUR;

/** Batches of 25 records, each in a (customer, dimension, hour) slot of its own. */
let nextSlot = 0;
function uniqueRecords(): UsageRecord[] {
  return Array.from({ length: 25 }, () => {
    const slot = nextSlot++;
    const customer = CUSTOMERS[Math.floor(slot / (DIMENSIONS.length * 4)) % CUSTOMERS.length]!;
    return {
      Timestamp: new Date(BASE_HOUR - (1 + (slot % 4)) * HOUR + 1000),
      CustomerAWSAccountId: customer,
      Dimension: DIMENSIONS[Math.floor(slot / 4) % DIMENSIONS.length]!,
      Quantity: 1 + (slot % 1000),
    };
  });
}

interface UsageRow {
  meteringRecordId: string;
  productCode: string;
}

/** Every record stored for `product`, page by page. */
async function stored(meterd: Meterd, productCode: string): Promise<UsageRow[]> {
  const rows: UsageRow[] = [];
  let after: string | undefined;
  do {
    const query = new URLSearchParams({ productCode, limit: '1000', ...(after ? { after } : {}) });
    const { status, body } = await meterd.admin<{ records: UsageRow[]; nextToken?: string }>(
      'GET',
      `/usage?${query}`,
    );
    assert.equal(status, 200);
    rows.push(...body.records);
    after = body.nextToken;
  } while (after);
  return rows;
}

function assertExactlyOnce(rows: UsageRow[], acknowledged: Set<string>, when: string) {
  const counts = new Map<string, number>();
  for (const row of rows)
    counts.set(row.meteringRecordId, (counts.get(row.meteringRecordId) ?? 0) + 1);
  const missing = [...acknowledged].filter((id) => !counts.has(id));
  const doubled = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(missing, [], `${when}: every acknowledged record is stored`);
  assert.deepEqual(doubled, [], `${when}: no record is stored twice`);
}

describe(
  'a full data disk',
  { skip: skip ?? (TEST_BACKEND === 'sqlite' ? undefined : 'SQLite only: its data directory') },
  () => {
    it('refuses writes as retryable, says so in /readyz and the metrics, and takes them again once space returns', async () => {
      const disk = mountTmpfs('2m');
      let meterd = await startMeterd({
        catalog: CATALOG,
        backend: 'sqlite',
        dataDir: join(disk.dir, 'data'),
      });
      try {
        // A product with slots enough for every batch of the test to be new records.
        const ours = { productCode: PRODUCT, type: 'saas', dimensions: DIMENSIONS };
        const setup = await meterd.admin('POST', '/catalog', {
          products: [{ ...ours, sellerAccountId: '111111111111' }],
          agreements: CUSTOMERS.map((id) => ({ productCode: PRODUCT, customerAWSAccountId: id })),
        });
        assert.equal(setup.status, 200, JSON.stringify(setup.body));
        let acme = client(meterd, KEYS.acme);
        let globex = client(meterd, KEYS.globex);
        const acknowledged = new Set<string>();
        const acknowledgedMeter = new Set<string>();
        let refusedBatches = 0;
        /** One batch: its acknowledged ids kept, and whether the store refused it. */
        const batch = async () => {
          const out = await within(
            5000,
            'BatchMeterUsage',
            acme.send(
              new BatchMeterUsageCommand({ ProductCode: PRODUCT, UsageRecords: uniqueRecords() }),
            ),
          );
          for (const r of out.Results ?? []) {
            assert.equal(r.Status, 'Success');
            acknowledged.add(r.MeteringRecordId!);
          }
          const unprocessed = out.UnprocessedRecords?.length ?? 0;
          if (unprocessed > 0) refusedBatches++;
          return unprocessed;
        };
        for (let i = 0; i < 5; i++) assert.equal(await batch(), 0);
        const minted = await meterd.admin<{ registrationToken: string }>(
          'POST',
          '/registration-tokens',
          { productCode: 'acme-saas', customerAWSAccountId: GLOBEX },
        );
        assert.equal(minted.status, 201);

        disk.fill();
        // Writes fail once the database's files need a block more: the WAL grows, a checkpoint
        // writes the database file.
        let refused = 0;
        for (let i = 0; i < 400 && refused === 0; i++) refused = await batch();
        assert.equal(refused, 25, 'the whole batch is handed back in UnprocessedRecords');

        // While the disk stays full, writes are refused as retryable, never a 500 or a hang. A
        // small write may still fit (a page the log had free): then it is acknowledged, and
        // must be stored like any other. Each kind is tried until the store refuses it.
        for (let i = 0; i < 5; i++) assert.equal(await batch(), 25);
        const refusedOnce = async (what: string, attempt: () => Promise<boolean>) => {
          for (let i = 0; i < 20; i++) if (await within(5000, what, attempt())) return;
          assert.fail(`${what} was never refused while the disk was full`);
        };
        const throttled = (error: Error) => {
          assert.equal(error.name, 'ThrottlingException', error.message);
          return true;
        };
        await refusedOnce('MeterUsage', () =>
          globex
            .send(
              new MeterUsageCommand({
                ProductCode: 'acme-agent',
                Timestamp: new Date(Date.now() - 60_000),
                UsageDimension: 'invocations',
                UsageQuantity: 1,
              }),
            )
            .then((out) => (acknowledgedMeter.add(out.MeteringRecordId!), false), throttled),
        );
        await refusedOnce('RegisterUsage', () =>
          globex
            .send(
              new RegisterUsageCommand({
                ProductCode: 'acme-container',
                PublicKeyVersion: 1,
                Nonce: randomUUID(),
              }),
            )
            .then(() => false, throttled),
        );
        // ResolveCustomer only reads, but its audit event is a write.
        await refusedOnce('ResolveCustomer', () =>
          acme
            .send(new ResolveCustomerCommand({ RegistrationToken: minted.body.registrationToken }))
            .then((out) => (assert.equal(out.CustomerAWSAccountId, GLOBEX), false), throttled),
        );
        let product = 0;
        await refusedOnce('an admin write', async () => {
          const { status, body } = await meterd.admin('POST', '/catalog', {
            products: [
              {
                productCode: `disk-saas-${++product}`,
                sellerAccountId: '111111111111',
                type: 'saas',
                dimensions: ['x'],
              },
            ],
          });
          assert.ok(status === 200 || status === 503, `${status} ${JSON.stringify(body)}`);
          return status === 503;
        });
        await refusedOnce('a registration token', async () => {
          const { status, body } = await meterd.admin('POST', '/registration-tokens', {
            productCode: 'acme-saas',
            customerAWSAccountId: GLOBEX,
          });
          assert.ok(status === 201 || status === 503, `${status} ${JSON.stringify(body)}`);
          return status === 503;
        });
        // Readiness follows the episode: failing writes keep it open.
        assert.equal(await batch(), 25);
        const ready = await within(5000, '/readyz', fetch(`${meterd.url}/readyz`));
        assert.equal(ready.status, 503);
        const readiness = (await ready.json()) as { reason: string; failedWrites: number };
        assert.match(readiness.reason, /SQLITE_FULL|ENOSPC|IOERR/);
        assert.ok(readiness.failedWrites >= 8, `failed writes counted (${readiness.failedWrites})`);
        assert.equal((await within(5000, '/healthz', fetch(`${meterd.url}/healthz`))).status, 200);
        assert.equal(await metric(meterd, 'meterd_store_unavailable'), 1);
        assert.equal(await metric(meterd, 'meterd_store_unavailable_episodes_total'), 1);

        disk.free();
        const freed = Date.now();
        // Writes resume by themselves: the next batches are stored.
        let resumed = false;
        for (let i = 0; i < 50 && !resumed; i++) {
          resumed = (await batch()) === 0;
          if (!resumed) await sleep(100);
        }
        assert.ok(resumed, 'writes resume once space returns');
        for (let i = 0; i < 5; i++) assert.equal(await batch(), 0);
        // Ready again once writes have gone on committing for a moment (health.ts's SETTLE_MS).
        let readyAgain = 0;
        for (let i = 0; i < 50 && readyAgain !== 200; i++) {
          readyAgain = (await fetch(`${meterd.url}/readyz`)).status;
          if (readyAgain !== 200) await sleep(100);
        }
        assert.equal(readyAgain, 200, '/readyz answers 200 again without a restart');
        const readySeconds = (Date.now() - freed) / 1000;
        assert.equal(await metric(meterd, 'meterd_store_unavailable'), 0);

        // The episode is one error line and one recovery line, whatever the calls refused.
        const lines = meterd.output().split('\n');
        assert.equal(
          lines.filter((l) => l.includes('store unavailable')).length,
          1,
          'one line at the start',
        );
        assert.equal(
          lines.filter((l) => l.includes('store available again')).length,
          1,
          'one at the end',
        );
        const errors = lines.filter((l) => /"level":(50|60)/.test(l));
        assert.deepEqual(
          errors.filter((l) => !l.includes('store unavailable')),
          [],
          'no other error',
        );

        assertExactlyOnce(await stored(meterd, PRODUCT), acknowledged, 'after space returned');
        assertExactlyOnce(await stored(meterd, 'acme-agent'), acknowledgedMeter, 'MeterUsage');
        acme.destroy();
        globex.destroy();
        meterd = await meterd.restart();
        acme = client(meterd, KEYS.acme);
        globex = client(meterd, KEYS.globex);
        assertExactlyOnce(await stored(meterd, PRODUCT), acknowledged, 'after a restart');
        assertExactlyOnce(
          await stored(meterd, 'acme-agent'),
          acknowledgedMeter,
          'MeterUsage after a restart',
        );
        console.log(
          `full disk: ${refusedBatches} batches handed back while full, ${readiness.failedWrites}+ ` +
            `writes refused in one episode; ready again ${readySeconds.toFixed(1)} s after space ` +
            `returned; ${acknowledged.size + acknowledgedMeter.size} acknowledged records ` +
            `stored exactly once, also after a restart`,
        );
        acme.destroy();
        globex.destroy();
      } finally {
        await meterd.stop();
        disk.unmount();
      }
    });
  },
);
