/**
 * @module `meterd forward` end to end, with a real meterd as the target (started by
 * `@meterd/testkit`). Usage events across three past hours, 500 customers and 4 dimensions, some
 * tagged, 5% of them sent twice, go in over HTTP while the forwarder is SIGKILLed; the hours then
 * close and are sent while the target throttles, hands back a share of each batch in
 * `UnprocessedRecords` and answers 5xx, and while the forwarder is SIGKILLed again. One customer
 * is unsubscribed. At the end the target's stored usage per hour, customer, dimension and tag set
 * equals the ingested sums exactly, each record stored once; the unsubscribed customer's records
 * are dead-lettered with AWS's status; the reconciliation balances. With
 * `METERD_TEST_BACKEND=postgres` two forwarders share one PostgreSQL database: the events are
 * split between them, each is SIGKILLed, and the hours are frozen, claimed and sent by whichever
 * gets them, still each billed once. `METERD_FORWARD_E2E_EVENTS` sets the number of events
 * (default 20,000; `npm run test:forward-200k` runs 200,000).
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  freshPostgresDatabase,
  startMeterd,
  startProcess,
  waitForPort,
  type Child,
  type Database,
  type Meterd,
} from '@meterd/testkit';
import { HOUR_MS } from '../src/hours.js';

const CLI = fileURLToPath(new URL('../../server/dist/cli/main.js', import.meta.url));
const EVENTS = Number(process.env.METERD_FORWARD_E2E_EVENTS ?? 20_000);
const POSTGRES = process.env.METERD_TEST_BACKEND === 'postgres';
/** Forwarders running at once: two sharing PostgreSQL, or one on its SQLite directory. */
const FORWARDERS = POSTGRES ? 2 : 1;
const CUSTOMERS = 500;
const DIMENSIONS = ['requests', 'storage', 'seats', 'jobs'];
const TAG_SETS: Array<Record<string, string> | undefined> = [
  undefined,
  undefined,
  { team: 'a' },
  { team: 'b' },
  { env: 'prod', team: 'a' },
];
const TOKEN = 'forward-test-token';
const SELLER = { id: 'AKIAFWDSELLER0000001', secret: 'forward-seller-secret' };
const PRODUCT = 'fwd-saas';
const account = (i: number) => String(300_000_000_000 + i);
const UNSUBSCRIBED = account(7);

/** A small seeded generator (mulberry32), so every run sends the same events. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sent {
  id: string;
  productCode: string;
  customerAWSAccountId: string;
  dimension: string;
  quantity: number;
  timestamp: string;
  tags?: Record<string, string>;
}

const cellOf = (hour: number, customer: string, dimension: string, tags: unknown) =>
  `${new Date(hour * HOUR_MS).toISOString()}|${customer}|${dimension}|${tags ? JSON.stringify(tags) : ''}`;
const sortedTags = (tags: Record<string, string> | undefined) =>
  tags
    ? Object.keys(tags)
        .sort()
        .map((k) => ({ Key: k, Value: tags[k]! }))
    : undefined;

const database: Database | undefined = POSTGRES ? await freshPostgresDatabase() : undefined;

describe(
  `meterd forward, end to end against meterd (${POSTGRES ? 'two forwarders on PostgreSQL' : 'SQLite'})`,
  {
    timeout: 600_000,
    skip: POSTGRES && !database ? 'PostgreSQL is not reachable: two forwarders need one' : false,
  },
  () => {
    let target: Meterd;
    let data: string;
    const ports: number[] = [];
    const forwarders: Array<Child | undefined> = [];
    const kills = Array.from({ length: FORWARDERS }, () => 0);

    const start = async (closeAfterSeconds: number, i = 0) => {
      forwarders[i] = startProcess(
        process.execPath,
        [
          CLI,
          'forward',
          '--data',
          join(data, String(i)),
          '--instance',
          `forwarder-${i}`,
          '--port',
          String(ports[i]),
          '--target-endpoint',
          target.url,
          '--region',
          'us-east-1',
          '--close-after-seconds',
          String(closeAfterSeconds),
          '--rate',
          '100',
          '--concurrency',
          '4',
          '--log-level',
          'warn',
        ],
        {
          env: {
            ...(database ? { METERD_FORWARD_DATABASE_URL: database.url } : {}),
            METERD_FORWARD_TOKEN: TOKEN,
            AWS_ACCESS_KEY_ID: SELLER.id,
            AWS_SECRET_ACCESS_KEY: SELLER.secret,
          },
        },
      );
      await waitForPort(ports[i]!, { timeoutMs: 15_000 });
    };
    const kill = async (i = 0) => {
      await forwarders[i]!.kill();
      kills[i]!++;
    };
    const startAll = (closeAfterSeconds: number) =>
      Promise.all(ports.map((_, i) => start(closeAfterSeconds, i)));
    const killAll = () => Promise.all(ports.map((_, i) => kill(i)));
    const api = async (path: string, init: RequestInit = {}, i = 0) => {
      const res = await fetch(`http://127.0.0.1:${ports[i]}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    before(async () => {
      target = await startMeterd({
        catalog: {
          accounts: [
            {
              accountId: '111111111111',
              name: 'fwd-seller',
              accessKeys: [{ accessKeyId: SELLER.id, secretAccessKey: SELLER.secret }],
            },
          ],
          products: [
            {
              productCode: PRODUCT,
              sellerAccountId: '111111111111',
              type: 'saas',
              dimensions: DIMENSIONS,
            },
          ],
          agreements: Array.from({ length: CUSTOMERS }, (_, i) => ({
            productCode: PRODUCT,
            customerAWSAccountId: account(i),
            ...(account(i) === UNSUBSCRIBED
              ? {
                  status: 'unsubscribed',
                  endedAt: new Date(Date.now() - 12 * HOUR_MS).toISOString(),
                }
              : {}),
          })),
        },
      });
      data = mkdtempSync(join(tmpdir(), 'meterd-forward-e2e-'));
      for (let i = 0; i < FORWARDERS; i++) ports.push(await freePort());
    });

    after(async () => {
      await Promise.all(forwarders.map((f) => f?.stop()));
      await target?.stop();
      await database?.drop();
      rmSync(data, { recursive: true, force: true });
    });

    it('bills every acknowledged event exactly once through SIGKILLs, throttling, UnprocessedRecords and 5xx', async () => {
      const started = Date.now();
      const rand = random(16);
      const firstHour = Math.floor(Date.now() / HOUR_MS) - 3;
      const events: Sent[] = Array.from({ length: EVENTS }, (_, i) => {
        const hour = firstHour + Math.floor(rand() * 3);
        const tags = TAG_SETS[Math.floor(rand() * TAG_SETS.length)];
        return {
          id: `evt-${i}`,
          productCode: PRODUCT,
          customerAWSAccountId: account(Math.floor(rand() * CUSTOMERS)),
          dimension: DIMENSIONS[Math.floor(rand() * DIMENSIONS.length)]!,
          quantity: 1 + Math.floor(rand() * 100),
          timestamp: new Date(hour * HOUR_MS + Math.floor(rand() * HOUR_MS)).toISOString(),
          ...(tags ? { tags } : {}),
        };
      });
      // 5% sent twice, in later batches.
      const stream = [...events];
      for (let i = 0; i < EVENTS / 20; i++)
        stream.splice(Math.floor(rand() * stream.length), 0, events[Math.floor(rand() * EVENTS)]!);

      // Ingest, hours kept open, in batches of 500 from two senders (each to its own forwarder
      // when there are two); 3 SIGKILLs while batches are in flight, taking turns among the
      // forwarders. A batch not answered (its connection cut) is sent again, as any client would.
      await startAll(36_000);
      const BATCH = 500;
      const batches: Sent[][] = [];
      for (let i = 0; i < stream.length; i += BATCH) batches.push(stream.slice(i, i + BATCH));
      const killAt = new Set([
        Math.floor(batches.length * 0.25),
        Math.floor(batches.length * 0.5),
        Math.floor(batches.length * 0.75),
      ]);
      let accepted = 0;
      let duplicates = 0;
      let next = 0;
      let restarting: Promise<void> | undefined;
      const post = async (batch: Sent[], to: number): Promise<void> => {
        for (;;) {
          await restarting;
          try {
            const r = await api(
              '/v1/usage-events',
              {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ events: batch }),
              },
              to,
            );
            assert.equal(r.status, 200, JSON.stringify(r.body));
            assert.deepEqual(r.body.rejected, []);
            accepted += r.body.accepted as number;
            duplicates += r.body.duplicates as number;
            return;
          } catch (err) {
            if (err instanceof assert.AssertionError) throw err;
            await new Promise((r) => setTimeout(r, 50)); // cut off by a kill: send it again
          }
        }
      };
      let turn = 0;
      const sender = async (to: number) => {
        while (next < batches.length) {
          const i = next++;
          if (killAt.has(i) && !restarting) {
            // Kill while a batch is in flight to the one killed, and restart it at once.
            const victim = turn++ % FORWARDERS;
            const inflight = post(batches[i]!, victim);
            restarting = (async () => {
              await new Promise((r) => setTimeout(r, 2));
              await kill(victim);
              await start(36_000, victim);
            })();
            await restarting;
            restarting = undefined;
            await inflight;
          } else await post(batches[i]!, to);
        }
      };
      await Promise.all([sender(0), sender(FORWARDERS - 1)]);
      // Events whose answer was lost with a kill were stored before it: they come back as
      // duplicates when sent again. Either way each event counts once.
      assert.ok(accepted <= EVENTS, `accepted ${accepted} of ${EVENTS} (${duplicates} duplicates)`);
      assert.ok(accepted + duplicates >= stream.length);

      // The target's faults: throttling, 5xx answers and a share handed back, at random.
      const faults = await target.admin('POST', '/faults', [
        {
          id: 'throttle',
          operation: 'BatchMeterUsage',
          probability: 0.1,
          seed: 1,
          error: { code: 'ThrottlingException' },
        },
        {
          id: 'server-error',
          operation: 'BatchMeterUsage',
          probability: 0.1,
          seed: 2,
          error: { code: 'InternalServiceErrorException' },
        },
        {
          id: 'hand-back',
          operation: 'BatchMeterUsage',
          probability: 0.3,
          seed: 3,
          unprocessedShare: 0.3,
        },
      ]);
      assert.equal(faults.status, 200, JSON.stringify(faults.body));

      // Close the hours and send; 2 SIGKILLs while calls are in flight (of each forwarder in turn).
      await killAll();
      await startAll(0);
      const pending = async () => {
        const r = await api('/v1/reconciliation');
        const rows = r.body.rows as Array<{ pending: number; state: string }>;
        return rows.length === 0 ? Infinity : rows.reduce((t, x) => t + x.pending, 0);
      };
      for (let k = 0; k < 2; k++) {
        const before = await pending();
        const deadline = Date.now() + 60_000;
        while ((await pending()) >= before && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        await kill(k % FORWARDERS);
        await start(0, k % FORWARDERS);
      }
      const deadline = Date.now() + 300_000;
      while ((await pending()) > 0) {
        assert.ok(Date.now() < deadline, 'the forwarder did not drain within 5 minutes');
        await new Promise((r) => setTimeout(r, 200));
      }

      // What the target holds, per hour, customer, dimension and tag set.
      const stored = new Map<string, number>();
      const perRecord = new Map<string, number>();
      let after: string | undefined;
      do {
        const page = await target.admin(
          'GET',
          `/usage?productCode=${PRODUCT}&limit=1000${after ? `&after=${after}` : ''}`,
        );
        const body = page.body as {
          records: Array<{
            customerAWSAccountId: string;
            dimension: string;
            usageTime: string;
            quantity: number;
            allocations?: Array<{ AllocatedUsageQuantity: number; Tags?: unknown }>;
          }>;
          nextToken?: string;
        };
        for (const r of body.records) {
          const hour = Date.parse(r.usageTime) / HOUR_MS;
          const rk = `${hour}|${r.customerAWSAccountId}|${r.dimension}`;
          perRecord.set(rk, (perRecord.get(rk) ?? 0) + 1);
          for (const a of r.allocations ?? [{ AllocatedUsageQuantity: r.quantity }]) {
            const k = cellOf(hour, r.customerAWSAccountId, r.dimension, a.Tags);
            stored.set(k, (stored.get(k) ?? 0) + a.AllocatedUsageQuantity);
          }
        }
        after = body.nextToken;
      } while (after);

      const expected = new Map<string, number>();
      let unsubscribedQuantity = 0;
      for (const e of events) {
        if (e.customerAWSAccountId === UNSUBSCRIBED) {
          unsubscribedQuantity += e.quantity;
          continue;
        }
        const k = cellOf(
          Math.floor(Date.parse(e.timestamp) / HOUR_MS),
          e.customerAWSAccountId,
          e.dimension,
          sortedTags(e.tags),
        );
        expected.set(k, (expected.get(k) ?? 0) + e.quantity);
      }
      assert.deepEqual(
        [...stored.entries()].sort(),
        [...expected.entries()].sort(),
        'stored usage equals the ingested sums',
      );
      for (const [k, n] of perRecord) assert.equal(n, 1, `${k} stored ${n} times`);

      // The unsubscribed customer: dead-lettered with AWS's status, nothing billed.
      const dead = (await api('/v1/dead-letters')).body.deadLetters as Array<{
        customerAWSAccountId?: string;
        reason: string;
        quantity: number;
      }>;
      assert.ok(dead.length > 0);
      for (const d of dead) {
        assert.equal(d.customerAWSAccountId, UNSUBSCRIBED);
        assert.match(d.reason, /^CustomerNotSubscribed/);
      }
      assert.equal(
        dead.reduce((t, d) => t + d.quantity, 0),
        unsubscribedQuantity,
      );

      // The reconciliation balances, line by line and in total.
      const rows = (await api('/v1/reconciliation')).body.rows as Array<{
        ingested: number;
        accepted: number;
        deadLettered: number;
        pending: number;
        state: string;
      }>;
      for (const r of rows) assert.equal(r.ingested, r.accepted + r.deadLettered + r.pending);
      const total = events.reduce((t, e) => t + e.quantity, 0);
      assert.equal(
        rows.reduce((t, r) => t + r.ingested, 0),
        total,
      );
      assert.equal(
        rows.reduce((t, r) => t + r.accepted, 0),
        total - unsubscribedQuantity,
      );
      const sends: string[] = [];
      for (const p of ports) {
        const metrics = await (await fetch(`http://127.0.0.1:${p}/metrics`)).text();
        sends.push(metrics.match(/^meterd_forward_sends_total\{[^}]*\} \d+/gm)?.join(', ') ?? '');
      }
      console.log(
        `forward end to end: ${FORWARDERS} forwarder(s) on ${POSTGRES ? 'PostgreSQL' : 'SQLite'}, ${EVENTS} events (+${stream.length - EVENTS} resent), ${stored.size} cells, ${kills.join('+')} SIGKILLs, ${dead.length} dead letters; sends ${sends.map((s, i) => `[${i}] ${s}`).join('; ')} (since the last start); ${Math.round((Date.now() - started) / 1000)} s`,
      );
      assert.ok(kills.reduce((t, k) => t + k, 0) >= 6);
      for (const k of kills)
        assert.ok(k >= 2, `each forwarder SIGKILLed at least twice (${kills})`);
    });
  },
);
