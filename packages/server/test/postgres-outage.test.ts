/**
 * @module PostgreSQL outages under load of the four operations: a TCP proxy between meterd
 * and PostgreSQL cuts every connection, stalls them past the statement timeout, and refuses
 * new ones for 10 s.
 * Every answer meanwhile is a success or an AWS transient error (never a 5xx, never a hang),
 * `/readyz` follows the outage, the pool recovers without a restart, and afterwards every
 * acknowledged record is stored exactly once, also after the refused calls are sent again.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  BatchMeterUsageCommand,
  MeterUsageCommand,
  RegisterUsageCommand,
  ResolveCustomerCommand,
  type MarketplaceMeteringClient,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering';
import { POSTGRES_URL, createDatabase, probePostgres, type Database } from '@meterd/testkit';
import { BACKEND, KEYS, startMeterd, type Meterd } from './helpers/meterd.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

// Small timeouts keep the test short; the defaults are larger (see the README).
const STATEMENT_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 2000;
/** What "never a hang" means for one call: well above the worst bounded answer. */
const CALL_BOUND_MS = 8000;
/** How long after a restore calls must succeed again. */
const RECOVERY_BOUND_MS = 10_000;
const STALL_MS = 5 * STATEMENT_TIMEOUT_MS;
const REFUSE_MS = 10_000;

const BATCH_WRITERS = 6;
const METER_USAGE_WRITERS = 2;
const RECORDS_PER_BATCH = 5;
const PRODUCT = 'outage-saas';
const AGENT = 'acme-agent'; // a continuous-mode container product globex subscribes to
const DIMENSIONS = Array.from({ length: 25 }, (_, i) => `d${i}`);
const HOURS = 5;
const CUSTOMERS = Array.from({ length: 200 }, (_, i) => String(600_000_000_000 + i));
const BASE_HOUR = Math.floor(Date.now() / 3600_000) * 3600_000;

/** Usage slots (customer, dimension, hour) no other call uses, a batch's worth at a time. */
let nextSlot = 0;
function nextRecords(): UsageRecord[] | undefined {
  if (nextSlot + RECORDS_PER_BATCH > CUSTOMERS.length * DIMENSIONS.length * HOURS) return undefined;
  return Array.from({ length: RECORDS_PER_BATCH }, () => {
    const slot = nextSlot++;
    const rest = Math.floor(slot / CUSTOMERS.length);
    return {
      Timestamp: new Date(BASE_HOUR - (rest % HOURS) * 3600_000),
      CustomerAWSAccountId: CUSTOMERS[slot % CUSTOMERS.length]!,
      Dimension: DIMENSIONS[Math.floor(rest / HOURS)]!,
      Quantity: 1 + (slot % 7),
    };
  });
}

type Phase = 'before' | 'cut' | 'stall' | 'refuse' | 'after';
const OUTAGES: Phase[] = ['cut', 'stall', 'refuse'];

/** One answered (or failed) call. */
interface Outcome {
  phase: Phase;
  ms: number;
  /** 'ok', 'unprocessed', 'throttled', or what went wrong. */
  kind: string;
}

/** A record meterd acknowledged with a MeteringRecordId. */
interface Ack {
  id: string;
  key: string;
}

/** A call refused for the outage, to send again once the database is back. */
type Retry = () => Promise<Ack[]>;

const reachable = BACKEND === 'postgres' ? await probePostgres() : undefined;
const skip =
  BACKEND !== 'postgres'
    ? 'runs on the PostgreSQL backend only'
    : reachable && 'error' in reachable
      ? `no PostgreSQL server answered at ${POSTGRES_URL} (${reachable.error})`
      : false;

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** The kind of a failed SDK call: transient AWS errors are expected, anything else is not. */
function failureKind(error: unknown): string {
  const e = error as Error & { $metadata?: { httpStatusCode?: number } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `hang (${CALL_BOUND_MS} ms)`;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'ThrottlingException' && status === 400) return 'throttled';
  return `${e.name} ${status ?? 'no status'}: ${e.message}`;
}

describe('PostgreSQL outages under write load', { skip }, () => {
  let database: Database;
  let proxy: TcpProxy;
  let meterd: Meterd;
  let token: string;

  before(async () => {
    database = await createDatabase();
    const direct = new URL(database.url);
    proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(database.url);
    proxied.host = `127.0.0.1:${await proxy.start()}`;
    meterd = await startMeterd({
      databaseUrl: proxied.toString(),
      env: {
        METERD_DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        METERD_DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      },
    });
    // One product, with an agreement per customer, so that batches do not run out of slots.
    const product = { productCode: PRODUCT, type: 'saas', dimensions: DIMENSIONS };
    const agreements = CUSTOMERS.map((customer) => ({ customerAWSAccountId: customer }));
    const setup = await meterd.admin('POST', '/catalog', {
      products: [{ ...product, sellerAccountId: '111111111111' }],
      agreements: agreements.map((a) => ({ ...a, productCode: PRODUCT })),
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const minted = await meterd.admin<{ registrationToken: string }>(
      'POST',
      '/registration-tokens',
      {
        productCode: 'acme-saas',
        customerAWSAccountId: '222222222222',
      },
    );
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    token = minted.body.registrationToken;
  });
  after(async () => {
    await meterd?.stop();
    await proxy?.close();
    await database?.drop();
  });

  it('answers transient errors, follows readiness, recovers and loses or doubles nothing', async () => {
    let phase: Phase = 'before';
    let stop = false;
    const outcomes: Outcome[] = [];
    const acks: Ack[] = [];
    const retries: Retry[] = [];
    const timed = async (call: (signal: AbortSignal) => Promise<string>) => {
      const started = performance.now();
      const first = phase;
      let kind: string;
      try {
        kind = await call(AbortSignal.timeout(CALL_BOUND_MS));
      } catch (error) {
        kind = failureKind(error);
      }
      // A call belongs to the outage it met, at its start or at its end.
      const at = OUTAGES.includes(phase) ? phase : first;
      outcomes.push({ phase: at, ms: performance.now() - started, kind });
    };

    const keyOf = (r: UsageRecord) =>
      `${r.CustomerAWSAccountId}|${r.Dimension}|${new Date(r.Timestamp!).getTime()}`;

    const batchWriter = async (client: MarketplaceMeteringClient) => {
      while (!stop) {
        const records = nextRecords();
        if (!records) return;
        let unprocessed: UsageRecord[] = [];
        await timed(async (signal) => {
          const input = { ProductCode: PRODUCT, UsageRecords: records };
          const out = await client.send(new BatchMeterUsageCommand(input), { abortSignal: signal });
          for (const r of out.Results ?? []) {
            if (r.Status !== 'Success')
              return `record status ${r.Status} ${out.$metadata.requestId}`;
            acks.push({ id: r.MeteringRecordId!, key: keyOf(r.UsageRecord!) });
          }
          unprocessed = out.UnprocessedRecords ?? [];
          return unprocessed.length > 0 ? 'unprocessed' : 'ok';
        }).catch(() => undefined);
        const last = outcomes.at(-1)!;
        // Refused (or cut off, for all the client knows): sent again after the outage.
        if (last.kind !== 'ok')
          retries.push(async () => {
            const out = await client.send(
              new BatchMeterUsageCommand({
                ProductCode: PRODUCT,
                UsageRecords: last.kind === 'unprocessed' ? unprocessed : records,
              }),
            );
            assert.equal(out.UnprocessedRecords?.length ?? 0, 0, 'nothing unprocessed after');
            return (out.Results ?? []).map((r) => {
              assert.equal(r.Status, 'Success');
              return { id: r.MeteringRecordId!, key: keyOf(r.UsageRecord!) };
            });
          });
      }
    };
    const meterUsageWriter = async (client: MarketplaceMeteringClient) => {
      while (!stop) {
        const input = {
          ProductCode: AGENT,
          Timestamp: new Date(Date.now() - 60_000),
          UsageDimension: 'invocations',
          UsageQuantity: 1,
          ClientToken: randomUUID(),
        };
        const key = `token|${input.ClientToken}`;
        await timed(async (signal) => {
          const out = await client.send(new MeterUsageCommand(input), { abortSignal: signal });
          acks.push({ id: out.MeteringRecordId!, key });
          return 'ok';
        });
        if (outcomes.at(-1)!.kind !== 'ok')
          retries.push(async () => [
            { id: (await client.send(new MeterUsageCommand(input))).MeteringRecordId!, key },
          ]);
      }
    };

    // The other two operations, which read more than they write: answered, or throttled.
    const otherWriter = async (
      seller: MarketplaceMeteringClient,
      task: MarketplaceMeteringClient,
    ) => {
      for (let n = 0; !stop; n++)
        await timed(async (abortSignal) => {
          if (n % 2 === 0)
            await task.send(
              new RegisterUsageCommand({
                ProductCode: 'acme-container',
                PublicKeyVersion: 1,
                Nonce: randomUUID(),
              }),
              { abortSignal },
            );
          else
            await seller.send(new ResolveCustomerCommand({ RegistrationToken: token }), {
              abortSignal,
            });
          return 'ok';
        });
    };

    const readiness: Array<{ phase: Phase; status: number | string }> = [];
    const ready = async () => {
      try {
        const r = await fetch(`${meterd.url}/readyz`, {
          signal: AbortSignal.timeout(CALL_BOUND_MS),
        });
        await r.arrayBuffer();
        return r.status;
      } catch (error) {
        return `readyz failed: ${(error as Error).name}`;
      }
    };
    const readinessProbe = async () => {
      while (!stop) {
        readiness.push({ phase, status: await ready() });
        await sleep(200);
      }
    };

    /** Resolves once a call after the `since`th has succeeded. */
    const recovery: Record<string, number> = {};
    const restoreAndWait = async (name: string) => {
      proxy.restore();
      phase = 'after';
      const started = performance.now();
      const since = outcomes.length;
      while (!outcomes.some((o, i) => i >= since && o.kind === 'ok')) {
        if (performance.now() - started > RECOVERY_BOUND_MS) {
          const kinds = outcomes.slice(since).map((o) => `${o.kind} (${Math.round(o.ms)} ms)`);
          const seen = [...new Set(outcomes.map((o) => `${o.phase}: ${o.kind}`))];
          throw new Error(
            `no call succeeded within ${RECOVERY_BOUND_MS} ms after the ${name}: ` +
              `${kinds.length} answers since (${kinds.slice(0, 5).join(', ')}); seen: ${seen.join('; ')}` +
              `; meterd ${meterd.process.exitCode === null ? 'runs' : `exited ${meterd.process.exitCode}`}: ${meterd.output().slice(-1500)}`,
          );
        }
        await sleep(50);
      }
      for (let status = await ready(); status !== 200; status = await ready()) {
        assert.ok(
          performance.now() - started < RECOVERY_BOUND_MS,
          `/readyz ${status} after the ${name}`,
        );
        await sleep(100);
      }
      recovery[name] = Math.round(performance.now() - started);
      await sleep(1000);
    };

    const workers = [
      ...Array.from({ length: BATCH_WRITERS }, () => batchWriter(meterd.client(KEYS.acme))),
      ...Array.from({ length: METER_USAGE_WRITERS }, () =>
        meterUsageWriter(meterd.client(KEYS.globex)),
      ),
      otherWriter(meterd.client(KEYS.acme), meterd.client(KEYS.globexTask)),
      readinessProbe(),
    ];
    try {
      await sleep(2000);
      // Every connection cut at once: the pool must drop its broken clients and reconnect.
      phase = 'cut';
      proxy.cut();
      await sleep(1000);
      await restoreAndWait('cut');
      // A network that drops every packet, for longer than the statement timeout.
      phase = 'stall';
      proxy.stall();
      await sleep(STALL_MS);
      await restoreAndWait('stall');
      // The database refuses connections (a restart): open ones cut, new ones reset.
      phase = 'refuse';
      proxy.refuse();
      await sleep(REFUSE_MS);
      await restoreAndWait('refusal');
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    const figures = (['before', 'cut', 'stall', 'refuse', 'after'] as const).map((p) => {
      const of = outcomes.filter((o) => o.phase === p);
      const ms = of.map((o) => o.ms);
      return (
        `${p}: ${of.length} calls (${of.filter((o) => o.kind !== 'ok').length} refused), ` +
        `p50 ${Math.round(percentile(ms, 50))} ms, p99 ${Math.round(percentile(ms, 99))} ms, ` +
        `max ${Math.round(Math.max(...ms))} ms`
      );
    });

    // Every answer was a success or a transient AWS error.
    const unexpected = outcomes.filter((o) => !['ok', 'unprocessed', 'throttled'].includes(o.kind));
    assert.deepEqual(
      [...new Set(unexpected.map((o) => `${o.phase}: ${o.kind}`))],
      [],
      `unexpected answers (${unexpected.length} of ${outcomes.length}; ${figures.join('; ')}):\n${meterd
        .output()
        .split('\n')
        .filter((l) => l.includes('unexpected error'))
        .slice(0, 3)
        .join('\n')}`,
    );
    for (const p of ['stall', 'refuse'] as const) {
      assert.ok(
        outcomes.some((o) => o.phase === p && o.kind !== 'ok'),
        `the ${p} refused some calls`,
      );
      assert.ok(
        readiness.some((r) => r.phase === p && r.status === 503),
        `/readyz answered 503 during the ${p}: ${JSON.stringify(readiness.filter((r) => r.phase === p))}`,
      );
    }
    assert.deepEqual(
      readiness.filter((r) => typeof r.status === 'string'),
      [],
      '/readyz always answered',
    );

    // The refused calls sent again now that the database is back: stored once each.
    const resent: Ack[] = [];
    const queue = [...retries];
    await Promise.all(
      Array.from({ length: BATCH_WRITERS }, async () => {
        for (let retry = queue.shift(); retry; retry = queue.shift())
          resent.push(...(await retry()));
      }),
    );

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db
      .query<{ metering_record_id: string; dedupe_key: string }>(
        'select metering_record_id, dedupe_key from usage_records',
      )
      .finally(() => db.end());
    const byId = new Map<string, number>();
    const byKey = new Map<string, string>();
    for (const r of rows) {
      byId.set(r.metering_record_id, (byId.get(r.metering_record_id) ?? 0) + 1);
      assert.ok(!byKey.has(r.dedupe_key), `usage ${r.dedupe_key} stored twice`);
      byKey.set(r.dedupe_key, r.metering_record_id);
    }
    const all = [...acks, ...resent];
    for (const ack of all)
      assert.equal(byId.get(ack.id), 1, `record ${ack.id} stored exactly once`);
    // One id per usage, whichever answer told it (the first try, or the resend).
    const idOfKey = new Map<string, string>();
    for (const ack of all) {
      const seen = idOfKey.get(ack.key);
      if (seen) assert.equal(ack.id, seen, `one MeteringRecordId for ${ack.key}`);
      idOfKey.set(ack.key, ack.id);
    }
    assert.equal(new Set(all.map((a) => a.id)).size, idOfKey.size);

    console.log(
      `postgres outage: ${outcomes.length} calls, 0 5xx, 0 hangs; ${acks.length} records acknowledged ` +
        `during the load and ${resent.length} on resending ${retries.length} refused calls, each ` +
        `stored exactly once; recovered in ${Object.entries(recovery)
          .map(([k, v]) => `${v} ms after the ${k}`)
          .join(', ')}; ${figures.join('; ')}`,
    );
  });
});
