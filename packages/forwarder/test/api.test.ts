/**
 * @module The forwarder's API and its sending rules against a real meterd (the demo catalog): the
 * bearer token, content types and per-event reasons of `POST /v1/usage-events`, CloudEvents
 * batches, a send lost after the target stored it (the hour is sent again and gets the same
 * `MeteringRecordId`), whole-batch errors dead-lettered with AWS's message and retried,
 * the late-event policy, the reconciliation as CSV, `/healthz`, `/readyz` and `/metrics`.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { marketplacemetering, type MarketplaceMeteringClient } from '@meterd/client';
import { startMeterd, type Meterd } from '@meterd/testkit';
import { Forwarder } from '../src/forwarder.js';
import { HOUR_MS } from '../src/hours.js';
import { createForwarderServer } from '../src/http.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const TOKEN = 'api-test-token';

describe('the forwarder API against meterd', () => {
  let target: Meterd;
  let dir: string;
  let forwarder: Forwarder;
  let server: Server;
  let url: string;
  let client: MarketplaceMeteringClient;
  let crashAfterNextCall = false;
  const hour = Math.floor(Date.now() / HOUR_MS) - 2;

  const post = (body: unknown, type = 'application/json', token = TOKEN) =>
    fetch(`${url}/v1/usage-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = async (path: string) =>
    fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const event = (id: string, quantity: number, extra: Record<string, unknown> = {}) => ({
    id,
    productCode: 'demo-saas',
    customerIdentifier: 'demo-customer',
    dimension: 'requests',
    quantity,
    timestamp: new Date(hour * HOUR_MS + 60_000).toISOString(),
    ...extra,
  });

  before(async () => {
    target = await startMeterd({});
    client = marketplacemetering({
      endpoint: target.url,
      region: 'us-east-1',
      credentials: {
        creds: { access_key_id: 'AKIADEMOSELLER000001', secret_access_key: 'demo-seller-secret' },
      },
      config: { max_retries: 0 },
    });
    // A client whose answer can be lost after the target has stored the call, as a crash
    // between the call and the forwarder's commit loses it.
    const crashing = {
      ...client,
      batchMeterUsage: async (
        input: Parameters<MarketplaceMeteringClient['batchMeterUsage']>[0],
      ) => {
        const out = await client.batchMeterUsage(input);
        if (crashAfterNextCall) {
          crashAfterNextCall = false;
          throw new Error('socket hang up');
        }
        return out;
      },
    } as MarketplaceMeteringClient;
    dir = mkdtempSync(join(tmpdir(), 'fwd-api-'));
    forwarder = new Forwarder({
      store: openSqliteStore(dir),
      client: crashing,
      closeAfterSeconds: 0,
      latePolicy: 'dead-letter',
    });
    server = createForwarderServer(forwarder, { token: TOKEN });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server?.close();
    await forwarder?.store.close();
    await target?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a missing or wrong token, other content types and bodies, in the admin error shape', async () => {
    for (const token of ['', 'wrong']) {
      const res = await post({ events: [] }, 'application/json', token);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'Unauthorized');
    }
    assert.equal((await post('x', 'text/plain')).status, 415);
    const bad = await post('{', 'application/json');
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), {
      error: { code: 'InvalidJson', message: 'the body is not valid JSON' },
    });
    assert.equal((await post({ evts: [] })).status, 400);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await get('/v1/nothing')).status, 404);
  });

  it('answers accepted, duplicates and each refused event with its index and reason', async () => {
    const res = await post({
      events: [
        event('a1', 5),
        event('a2', 4, { tags: { team: 'x' } }),
        event('a1', 5),
        event('a3', -1),
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      accepted: 2,
      duplicates: 1,
      rejected: [{ index: 3, reason: 'quantity must be a whole number from 0 to 2147483647' }],
    });
    const ce = await post(
      [
        {
          specversion: '1.0',
          id: 'a4',
          source: 'app',
          type: 'usage',
          data: { ...event('x', 1), id: undefined },
        },
      ],
      'application/cloudevents-batch+json',
    );
    assert.deepEqual(await ce.json(), { accepted: 1, duplicates: 0, rejected: [] });
  });

  it('sends an hour again after a lost answer, and the target answers the same MeteringRecordId', async () => {
    await forwarder.tick(); // closes the hour
    crashAfterNextCall = true;
    assert.equal(await forwarder.sendOnce(), true);
    let rows = (await (await get('/v1/reconciliation')).json()) as {
      rows: Array<{ state: string; meteringRecordId?: string; ingested: number }>;
    };
    assert.equal(rows.rows[0]!.state, 'frozen', 'the answer was lost: still to send');
    const stored = (await target.admin('GET', '/usage?productCode=demo-saas')).body as {
      records: Array<{ meteringRecordId: string; quantity: number }>;
    };
    assert.equal(stored.records.length, 1);
    assert.equal(stored.records[0]!.quantity, 10);
    // The retry waits out its backoff (at most 200 ms the first time).
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(await forwarder.sendOnce(), true);
    rows = (await (await get('/v1/reconciliation')).json()) as typeof rows;
    assert.equal(rows.rows[0]!.state, 'accepted');
    assert.equal(rows.rows[0]!.meteringRecordId, stored.records[0]!.meteringRecordId);
    const again = (await target.admin('GET', '/usage?productCode=demo-saas')).body as {
      records: unknown[];
    };
    assert.equal(again.records.length, 1, 'stored once');
    const csv = await (await get('/v1/reconciliation?format=csv')).text();
    assert.match(csv, /^hour,productCode,licenseArn,/);
    assert.match(csv, new RegExp(`,10,10,10,0,0,accepted,${stored.records[0]!.meteringRecordId},`));
  });

  it('dead-letters a late event under the dead-letter policy, with its reason', async () => {
    const res = await post({ events: [event('late-1', 2)] });
    assert.deepEqual(await res.json(), { accepted: 1, duplicates: 0, rejected: [] });
    const { deadLetters } = (await (await get('/v1/dead-letters')).json()) as {
      deadLetters: Array<{ id: string; kind: string; reason: string; eventId?: string }>;
    };
    const late = deadLetters.find((d) => d.eventId === 'late-1');
    assert.equal(late?.kind, 'late-event');
    assert.match(late!.reason, /already frozen/);
  });

  it("dead-letters a whole batch's records with AWS's message, and sends them again on retry", async () => {
    await post({
      events: [
        event('bad-dim', 3, {
          dimension: 'no-such-dimension',
          timestamp: new Date((hour - 1) * HOUR_MS).toISOString(),
        }),
      ],
    });
    await forwarder.tick();
    assert.equal(await forwarder.sendOnce(), true);
    const { deadLetters } = (await (await get('/v1/dead-letters')).json()) as {
      deadLetters: Array<{ id: string; kind: string; reason: string; dimension: string }>;
    };
    const dead = deadLetters.find((d) => d.dimension === 'no-such-dimension')!;
    assert.match(dead.reason, /^InvalidUsageDimensionException: /);
    const retry = await fetch(`${url}/v1/dead-letters/${dead.id}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.deepEqual(await retry.json(), { id: dead.id, status: 'retried' });
    assert.equal(await forwarder.sendOnce(), true);
    const again = (await (await get('/v1/dead-letters')).json()) as {
      deadLetters: Array<{ id: string; reason: string }>;
    };
    // Sent again, refused again: dead-lettered once more with the same message.
    assert.match(again.deadLetters.find((d) => d.id === dead.id)!.reason, /^InvalidUsageDimension/);
    const missing = await fetch(`${url}/v1/dead-letters/r999/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(missing.status, 404);
  });

  it('reports readiness, and the metrics of ingest and sends', async () => {
    await forwarder.tick();
    assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^meterd_forward_events_ingested_total 5$/m);
    assert.match(metrics, /^meterd_forward_events_duplicated_total 1$/m);
    assert.match(metrics, /^meterd_forward_sends_total\{outcome="retry"\} 1$/m);
    assert.match(metrics, /^meterd_forward_records_total\{outcome="accepted"\} 1$/m);
    assert.match(metrics, /^meterd_forward_dead_letters 2$/m);
  });
});
