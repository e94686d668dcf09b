/**
 * @module The store contract, one suite looped over both backends: SQLite on real files in a
 * temporary directory, PostgreSQL in a database created for the suite (each test in a schema of
 * its own) and dropped at the end. Deduplication by id across a reopen, sums per hour and tag set
 * becoming allocations, freezing at close, claims and their leases, the late-event policies, zero
 * records, expiry, dead-letter retry and a reconciliation that balances. Then, on PostgreSQL,
 * several stores on one database as several forwarders use it: ids deduplicated exactly between
 * them, each hour frozen once, each bucket claimed by one.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { createDatabase, POSTGRES_URL, probePostgres } from '@meterd/testkit';
import pg from 'pg';
import { parseEvent, type UsageEvent } from '../event.js';
import { HOUR_MS } from '../hours.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { ForwarderStore } from './store.js';

/** Opens stores on one test's data: `open()` again is a restart, or another instance. */
interface Opener {
  open(): Promise<ForwarderStore>;
  done(): void;
}
interface Harness {
  skip?: string;
  fresh(): Promise<Opener>;
}

async function sqliteHarness(): Promise<Harness> {
  return {
    fresh: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fwd-store-'));
      return {
        open: async () => openSqliteStore(dir),
        done: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
}

async function postgresHarness(): Promise<Harness> {
  const probe = await probePostgres();
  if ('error' in probe)
    return {
      skip: `PostgreSQL not reachable at ${POSTGRES_URL} (${probe.error})`,
      fresh: () => Promise.reject(new Error('unreachable')),
    };
  const { url, drop } = await createDatabase();
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  after(async () => {
    await db.end();
    await drop();
  });
  let n = 0;
  return {
    fresh: async () => {
      // Each test in a schema of its own: the store's tables are found through search_path.
      const schema = `t${++n}`;
      await db.query(`create schema ${schema}`);
      const at = new URL(url);
      at.searchParams.set('options', `-c search_path=${schema}`);
      return { open: () => openPostgresStore({ databaseUrl: at.href }), done: () => {} };
    },
  };
}

const HARNESSES = { sqlite: sqliteHarness, postgres: postgresHarness };

const NOW = Date.UTC(2026, 5, 1, 12, 30);
const H = Math.floor(NOW / HOUR_MS) * HOUR_MS; // 12:00
const ev = (id: string, at: number, quantity: number, extra: Record<string, unknown> = {}) =>
  parseEvent(
    {
      id,
      productCode: 'p',
      customerAWSAccountId: '123456789012',
      dimension: 'd',
      quantity,
      timestamp: new Date(at).toISOString(),
      ...extra,
    },
    NOW,
  ) as UsageEvent;
const opts = { now: NOW, latePolicy: 'next-hour' as const };

for (const [backend, harnessOf] of Object.entries(HARNESSES)) {
  const harness = await harnessOf();
  describe(`forwarder store contract: ${backend}`, { skip: harness.skip ?? false }, () => {
    let opener: Opener;
    let store: ForwarderStore;
    beforeEach(async () => {
      opener = await harness.fresh();
      store = await opener.open();
    });
    afterEach(async () => {
      await store.close();
      opener.done();
    });

    it('deduplicates by id, also after the store is reopened', async () => {
      const [a, b] = await Promise.all([
        store.ingest(
          [ev('1', H - HOUR_MS, 5), ev('2', H - HOUR_MS, 6), ev('1', H - HOUR_MS, 5)],
          opts,
        ),
        store.ingest([ev('2', H - HOUR_MS, 6)], opts),
      ]);
      assert.deepEqual(a, { accepted: 2, duplicates: 1 });
      assert.deepEqual(b, { accepted: 0, duplicates: 1 });
      await store.close();
      store = await opener.open();
      assert.deepEqual(
        await store.ingest([ev('1', H - HOUR_MS, 5), ev('3', H - HOUR_MS, 1)], opts),
        {
          accepted: 1,
          duplicates: 1,
        },
      );
      const rows = await store.reconciliation({});
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.ingested, 12);
      assert.equal(rows[0]!.state, 'open');
    });

    it('freezes an hour at close into one record with allocations per tag set', async () => {
      await store.ingest(
        [
          ev('1', H - HOUR_MS, 5),
          ev('2', H - HOUR_MS + 60_000, 7, { tags: { team: 'a' } }),
          ev('3', H - HOUR_MS + 120_000, 1, { tags: [{ Key: 'team', Value: 'a' }] }),
          ev('4', H - 1, 2, { tags: { team: 'b', env: 'prod' } }),
        ],
        opts,
      );
      // Not yet: the hour ended 30 minutes ago and closes 40 minutes after its end.
      assert.equal(await store.closeHours(NOW, 40 * 60_000, false), 0);
      assert.equal(await store.closeHours(NOW, 600_000, false), 1);
      const claim = await store.claim('me', NOW, 30_000);
      assert.deepEqual(claim, { scope: 'p', hour: H / HOUR_MS - 1 });
      const [record, ...rest] = await store.frozenRecords(claim!, 25);
      assert.equal(rest.length, 0);
      assert.equal(record!.quantity, 15);
      assert.deepEqual(
        new Set(record!.allocations!.map((a) => JSON.stringify(a))),
        new Set([
          JSON.stringify({ AllocatedUsageQuantity: 5 }),
          JSON.stringify({ AllocatedUsageQuantity: 8, Tags: [{ Key: 'team', Value: 'a' }] }),
          JSON.stringify({
            AllocatedUsageQuantity: 2,
            Tags: [
              { Key: 'env', Value: 'prod' },
              { Key: 'team', Value: 'b' },
            ],
          }),
        ]),
      );
      // Another claimant cannot take the bucket while the claim lasts; after it, it can.
      assert.equal(await store.claim('other', NOW + 1000, 30_000), undefined);
      assert.deepEqual(await store.claim('other', NOW + 31_000, 30_000), claim);
    });

    it('adds events of a frozen hour to the open hour under next-hour', async () => {
      await store.ingest([ev('1', H - HOUR_MS, 5)], opts);
      await store.closeHours(NOW, 0, false);
      assert.deepEqual(await store.ingest([ev('2', H - HOUR_MS + 5, 3)], opts), {
        accepted: 1,
        duplicates: 0,
      });
      const rows = await store.reconciliation({});
      assert.deepEqual(
        rows.map((r) => [r.hour, r.state, r.ingested, r.pending]),
        [
          [new Date(H - HOUR_MS).toISOString(), 'frozen', 5, 5],
          [new Date(H).toISOString(), 'open', 3, 3],
        ],
      );
    });

    it('dead-letters events of a frozen hour under dead-letter, and retries one into the open hour', async () => {
      const late = { now: NOW, latePolicy: 'dead-letter' as const };
      await store.ingest([ev('1', H - HOUR_MS, 5)], late);
      await store.closeHours(NOW, 0, false);
      await store.ingest([ev('2', H - HOUR_MS + 5, 3)], late);
      const [dead] = await store.deadLetters(10);
      assert.equal(dead!.kind, 'late-event');
      assert.equal(dead!.eventId, '2');
      assert.match(dead!.reason, /already frozen/);
      let rows = await store.reconciliation({});
      assert.deepEqual(
        rows.map((r) => [r.state, r.ingested, r.deadLettered, r.pending]),
        [['frozen', 8, 3, 5]],
      );
      assert.equal(await store.retryDeadLetter(dead!.id, NOW), 'retried');
      assert.equal(await store.retryDeadLetter(dead!.id, NOW), 'not-found');
      rows = await store.reconciliation({});
      assert.deepEqual(
        rows.map((r) => [r.hour, r.ingested, r.deadLettered, r.pending]),
        [
          [new Date(H - HOUR_MS).toISOString(), 5, 0, 5],
          [new Date(H).toISOString(), 3, 0, 3],
        ],
      );
    });

    it('keeps accepted and dead-lettered outcomes, and the reconciliation balances', async () => {
      await store.ingest(
        [
          ev('1', H - HOUR_MS, 5),
          ev('2', H - HOUR_MS, 4, { customerAWSAccountId: '999999999999' }),
        ],
        opts,
      );
      await store.closeHours(NOW, 0, false);
      const claim = (await store.claim('me', NOW, 30_000))!;
      const [r1, r2] = await store.frozenRecords(claim, 25);
      await store.settle(
        [
          { rid: r1!.rid, state: 'accepted', meteringRecordId: 'm-1' },
          { rid: r2!.rid, state: 'dead-lettered', reason: 'CustomerNotSubscribed: …' },
        ],
        [],
        NOW,
      );
      await store.release('me', claim, 0);
      assert.equal(await store.claim('me', NOW, 30_000), undefined, 'nothing left to send');
      const rows = await store.reconciliation({ productCode: 'p' });
      assert.deepEqual(
        rows.map((r) => [
          r.state,
          r.ingested,
          r.sent,
          r.accepted,
          r.deadLettered,
          r.meteringRecordId,
        ]),
        [
          ['accepted', 5, 5, 5, 0, 'm-1'],
          ['dead-lettered', 4, 4, 0, 4, undefined],
        ],
      );
      assert.deepEqual(await store.reconciliation({ productCode: 'other' }), []);
      // A dead-lettered record sent again is frozen again, with the same quantity.
      assert.equal(await store.retryDeadLetter(`r${r2!.rid}`, NOW), 'retried');
      const again = await store.frozenRecords((await store.claim('me', NOW, 30_000))!, 25);
      assert.deepEqual(
        again.map((r) => [r.rid, r.quantity]),
        [[r2!.rid, 4]],
      );
    });

    it('sends zero records for customers and dimensions seen in the last 7 days', async () => {
      await store.ingest([ev('1', H - 3 * HOUR_MS, 5)], opts);
      assert.equal(
        await store.closeHours(NOW, 0, true),
        3,
        'the hour with usage and the two after it',
      );
      const quantities = (await store.reconciliation({})).map((r) => [r.hour, r.ingested, r.state]);
      assert.deepEqual(quantities, [
        [new Date(H - 3 * HOUR_MS).toISOString(), 5, 'frozen'],
        [new Date(H - 2 * HOUR_MS).toISOString(), 0, 'frozen'],
        [new Date(H - HOUR_MS).toISOString(), 0, 'frozen'],
      ]);
    });

    it('dead-letters as expired what was not accepted within 6 hours', async () => {
      await store.ingest([ev('1', H - 5 * HOUR_MS, 5)], opts);
      assert.equal(await store.expire(NOW), 0);
      assert.equal(await store.expire(NOW + HOUR_MS), 1);
      const [dead] = await store.deadLetters(10);
      assert.match(dead!.reason, /^expired/);
      assert.equal(await store.retryDeadLetter(dead!.id, NOW + HOUR_MS), 'expired');
      const stats = await store.stats(NOW + HOUR_MS);
      assert.equal(stats.deadLetters, 1);
      assert.equal(stats.oldestUnsettledHour, undefined);
    });
  });
}

const shared = await postgresHarness();
describe(
  'forwarder store on PostgreSQL, shared by several instances',
  { skip: shared.skip ?? false },
  () => {
    let opener: Opener;
    let stores: ForwarderStore[];
    beforeEach(async () => {
      opener = await shared.fresh();
      stores = await Promise.all([opener.open(), opener.open(), opener.open()]);
    });
    afterEach(async () => {
      await Promise.all(stores.map((s) => s.close()));
    });

    it('counts every id once across instances ingesting the same events at once', async () => {
      const events = Array.from({ length: 300 }, (_, i) =>
        ev(`e${i}`, H - HOUR_MS + i, 1 + (i % 7)),
      );
      // Each instance gets every event, in its own order and batches.
      const results = await Promise.all(
        stores.flatMap((s, k) => {
          const mine = k === 1 ? [...events].reverse() : events;
          return [0, 100, 200].map((at) => s.ingest(mine.slice(at, at + 100), opts));
        }),
      );
      const accepted = results.reduce((t, r) => t + r.accepted, 0);
      const duplicates = results.reduce((t, r) => t + r.duplicates, 0);
      assert.equal(accepted, 300);
      assert.equal(duplicates, 600);
      const [row] = await stores[0]!.reconciliation({});
      assert.equal(
        row!.ingested,
        events.reduce((t, e) => t + e.quantity, 0),
      );
    });

    it('freezes each hour once, whichever instances close it, and never under an ingest', async () => {
      const hours = [5, 4, 3, 2, 1];
      await stores[0]!.ingest(
        hours.map((h) => ev(`h${h}`, H - h * HOUR_MS, h)),
        opts,
      );
      // Closing races ingest into the same hours: every event lands in a record or the open hour.
      const late = Array.from({ length: 50 }, (_, i) =>
        ev(`late${i}`, H - (1 + (i % 5)) * HOUR_MS, 1),
      );
      const [a, b, c] = await Promise.all([
        stores[0]!.closeHours(NOW, 0, false),
        stores[1]!.closeHours(NOW, 0, false),
        stores[2]!.ingest(late, opts),
      ]);
      assert.equal(c.accepted, 50);
      const d = await stores[2]!.closeHours(NOW, 0, false);
      const e = await stores[1]!.closeHours(NOW, 0, false);
      assert.equal(a + b + d + e, 5, 'each hour frozen by one instance');
      const rows = await stores[2]!.reconciliation({});
      const total = rows.reduce((t, r) => t + r.ingested, 0);
      assert.equal(total, 15 + 50);
      for (const r of rows) assert.equal(r.ingested, r.accepted + r.deadLettered + r.pending);
      const frozen = rows.filter((r) => r.state === 'frozen');
      assert.equal(frozen.length, 5);
      assert.equal(
        frozen.reduce((t, r) => t + r.pending, 0) +
          (rows.find((r) => r.state === 'open')?.ingested ?? 0),
        65,
      );
    });

    it('hands each bucket to one claimant, and a lapsed claim to another', async () => {
      await stores[0]!.ingest(
        [1, 2, 3, 4].map((h) => ev(`c${h}`, H - h * HOUR_MS, h)),
        opts,
      );
      await stores[0]!.closeHours(NOW, 0, false);
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => stores[i % 3]!.claim(`i${i}`, NOW, 30_000)),
      );
      const taken = claims.filter((c) => c !== undefined).map((c) => c!.hour);
      assert.equal(taken.length, 4, 'four buckets, four claims, two claimants empty-handed');
      assert.equal(new Set(taken).size, 4);
      // The claimants crash: once the leases run out, another takes a bucket over, and the one
      // that held it can no longer renew its claim.
      assert.equal(await stores[1]!.claim('other', NOW + 10_000, 30_000), undefined);
      const lost = (await stores[1]!.claim('other', NOW + 31_000, 30_000))!;
      const holder = claims.findIndex((c) => c?.hour === lost.hour);
      assert.ok(holder >= 0, 'a bucket claimed before');
      assert.equal(await stores[0]!.renew(`i${holder}`, lost, NOW + 31_000, 30_000), false);
      assert.equal(await stores[1]!.renew('other', lost, NOW + 32_000, 30_000), true);
    });
  },
);
