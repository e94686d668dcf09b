/**
 * @module An hour sent again after a crash, on both stores, against a real meterd: the target
 * stores a BatchMeterUsage call, and the forwarder dies before it commits the outcome. The
 * forwarder started again on the same store (SQLite directory, or PostgreSQL database) under
 * another name sends the identical frozen record, the target answers `Success` with the same
 * `MeteringRecordId`, and holds the usage once. Late events for the sent hour follow the
 * policy: under `next-hour` they are billed in the open hour, never added to the sent one.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { marketplacemetering, type MarketplaceMeteringClient } from '@meterd/client';
import { freshPostgresDatabase, startMeterd, type Database, type Meterd } from '@meterd/testkit';
import { Forwarder } from '../src/forwarder.js';
import { HOUR_MS } from '../src/hours.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { ForwarderStore } from '../src/store/store.js';

interface Backend {
  name: string;
  skip?: string;
  /** Opens the store on the test's data: again after a crash. */
  open(): Promise<ForwarderStore>;
  cleanup(): Promise<void>;
}

async function sqlite(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'fwd-resend-'));
  return {
    name: 'SQLite',
    open: async () => openSqliteStore(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgres(): Promise<Backend> {
  const db: Database | undefined = await freshPostgresDatabase();
  if (!db)
    return {
      name: 'PostgreSQL',
      skip: 'PostgreSQL is not reachable (METERD_TEST_POSTGRES_URL)',
      open: () => Promise.reject(new Error('unreachable')),
      cleanup: async () => {},
    };
  return {
    name: 'PostgreSQL',
    open: () => openPostgresStore({ databaseUrl: db.url }),
    cleanup: () => db.drop(),
  };
}

for (const backend of [await sqlite(), await postgres()]) {
  describe(
    `an hour sent again after a crash (${backend.name})`,
    { skip: backend.skip ?? false },
    () => {
      let target: Meterd;
      let client: MarketplaceMeteringClient;
      before(async () => {
        target = await startMeterd({});
        client = marketplacemetering({
          endpoint: target.url,
          region: 'us-east-1',
          credentials: {
            creds: {
              access_key_id: 'AKIADEMOSELLER000001',
              secret_access_key: 'demo-seller-secret',
            },
          },
          config: { max_retries: 0 },
        });
      });
      after(async () => {
        await target?.stop();
        await backend.cleanup();
      });

      it('gets the same MeteringRecordId from the target, and the usage is stored once', async () => {
        const hour = Math.floor(Date.now() / HOUR_MS) - 2;
        const event = (id: string, quantity: number, at = hour * HOUR_MS + 60_000) => ({
          id,
          productCode: 'demo-saas',
          customerIdentifier: 'demo-customer',
          dimension: 'requests',
          quantity,
          timestamp: new Date(at).toISOString(),
        });
        // The first forwarder: the target stores its call, then the process dies (the answer
        // never reaches the store), and it is never heard from again.
        let firstAnswer: string | undefined;
        const dying = {
          ...client,
          batchMeterUsage: async (
            input: Parameters<MarketplaceMeteringClient['batchMeterUsage']>[0],
          ) => {
            const out = await client.batchMeterUsage(input);
            firstAnswer = out.Results?.[0]?.MeteringRecordId;
            throw new Error('the process died before it committed the outcome');
          },
        } as MarketplaceMeteringClient;
        const store1 = await backend.open();
        const first = new Forwarder({
          store: store1,
          client: dying,
          closeAfterSeconds: 0,
          instance: 'first',
        });
        assert.deepEqual((await first.record([event('r1', 6), event('r2', 4)])).accepted, 2);
        await first.tick();
        // The call's answer is lost: the records are still frozen, to be sent again.
        assert.equal(await first.sendOnce(), true);
        assert.ok(firstAnswer, 'the target stored the call and answered');
        await store1.close();

        // Started again on the same store, under another name: the hour is still to send.
        const store2 = await backend.open();
        const again = new Forwarder({
          store: store2,
          client,
          closeAfterSeconds: 0,
          latePolicy: 'next-hour',
          instance: 'second',
        });
        try {
          let rows = await store2.reconciliation({});
          assert.deepEqual(
            rows.map((r) => [r.state, r.ingested, r.pending]),
            [['frozen', 10, 10]],
          );
          // Taken over once the first forwarder's claim is given up or its lease runs out.
          const deadline = Date.now() + 40_000;
          while (!(await again.sendOnce())) {
            assert.ok(Date.now() < deadline, 'the bucket was never taken over');
            await new Promise((r) => setTimeout(r, 100));
          }
          rows = await store2.reconciliation({});
          assert.equal(rows[0]!.state, 'accepted');
          assert.equal(rows[0]!.meteringRecordId, firstAnswer, 'the same MeteringRecordId');
          const stored = (await target.admin('GET', '/usage?productCode=demo-saas')).body as {
            records: Array<{ meteringRecordId: string; quantity: number }>;
          };
          assert.deepEqual(
            stored.records.map((r) => [r.meteringRecordId, r.quantity]),
            [[firstAnswer, 10]],
            'stored once',
          );

          // A late event for the sent hour goes to the open hour, not into the sent record.
          assert.equal((await again.record([event('r3', 5)])).accepted, 1);
          rows = await store2.reconciliation({});
          assert.deepEqual(
            rows.map((r) => [r.hour, r.state, r.ingested, r.accepted, r.pending]),
            [
              [new Date(hour * HOUR_MS).toISOString(), 'accepted', 10, 10, 0],
              [new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString(), 'open', 5, 0, 5],
            ],
          );
        } finally {
          await again.stop();
          await store2.close();
        }
      });
    },
  );
}
