/**
 * @module The movable clock against a real meterd started with --clock-control, with no sleeps:
 * the 6-hour window, the grace hour after unsubscribing, registration-token and signing-key
 * expiry each followed by moving the clock; SigV4 still checked against real time; the SetClock
 * audit events and each event's two times; the CLI; off by default; and two instances on one
 * PostgreSQL database reading one clock.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  RegisterUsageCommand,
  ResolveCustomerCommand,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering';
import { ADMIN_TOKEN, BACKEND, CLI, KEYS, startMeterd, type Meterd } from './helpers/meterd.js';

const GLOBEX = '222222222222';
const MINUTE = 60_000;

interface ClockState {
  now: string;
  real: string;
  offsetSeconds: number;
  controlled: boolean;
}

interface Event {
  eventName: string;
  eventTime: string;
  eventSource: string;
  requestID: string;
  recipientAccountId: string;
  userIdentity: { type: string };
  requestParameters: unknown;
  additionalEventData?: {
    realEventTime?: string;
    before?: { now: string; offsetSeconds: number };
    after?: { now: string; offsetSeconds: number };
  };
}

let meterd: Meterd;

before(async () => {
  meterd = await startMeterd({ args: ['--clock-control'] });
});
after(() => meterd.stop());

async function clock(method: 'GET' | 'PUT' | 'DELETE', body?: unknown): Promise<ClockState> {
  const r = await meterd.admin<ClockState>(method, '/clock', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The clock's time now, as meterd reads it (epoch ms). */
const clockNow = async () => Date.parse((await clock('GET')).now);

const record = (timestamp: Date, customer = 'globex-on-acme'): UsageRecord => ({
  Timestamp: timestamp,
  CustomerIdentifier: customer,
  Dimension: 'requests',
  Quantity: 1,
});

const batch = (...records: UsageRecord[]) =>
  new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: records });

/** Each test starts from real time. */
const reset = () => clock('DELETE');

describe('the clock of a meterd started with --clock-control', () => {
  it('shows real time until moved, then moves forward, back as far as real time, and resets', async () => {
    const start = await clock('GET');
    assert.equal(start.controlled, true);
    assert.equal(start.offsetSeconds, 0);
    assert.ok(Math.abs(Date.parse(start.now) - Date.now()) < 5000);

    const advanced = await clock('PUT', { advanceSeconds: 7200 });
    assert.equal(advanced.offsetSeconds, 7200);
    assert.equal(Date.parse(advanced.now) - Date.parse(advanced.real), 7_200_000);
    assert.equal((await clock('PUT', { advanceSeconds: -3600 })).offsetSeconds, 3600);

    const target = new Date(Date.now() + 30 * 24 * 3_600_000);
    const set = await clock('PUT', { now: target.toISOString() });
    assert.ok(Math.abs(Date.parse(set.now) - target.getTime()) < 2000, set.now);

    // Back before real time: refused, the clock unchanged.
    for (const body of [
      { now: new Date(Date.now() - 3_600_000).toISOString() },
      { advanceSeconds: -60 * 24 * 3600 },
    ]) {
      const r = await meterd.admin<{ error: { code: string; message: string } }>(
        'PUT',
        '/clock',
        body,
      );
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'InvalidClockTime');
      assert.match(r.body.error.message, /before real time/);
    }
    assert.ok(Math.abs(Date.parse((await clock('GET')).now) - target.getTime()) < 5000);

    const back = await reset();
    assert.equal(back.offsetSeconds, 0);
  });

  it('refuses bodies that are neither a time nor a number of seconds', async () => {
    for (const body of [
      {},
      { now: 'tomorrow' },
      { now: '2030-01-01' },
      { now: '2030-01-01T00:00:00' },
      { advanceSeconds: '60' },
      { advanceSeconds: 60, now: '2030-01-01T00:00:00Z' },
      { now: '99999-01-01T00:00:00Z' },
    ]) {
      const r = await meterd.admin<{ error: { code: string } }>('PUT', '/clock', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'InvalidParameter', JSON.stringify(body));
    }
    const far = await meterd.admin<{ error: { code: string } }>('PUT', '/clock', {
      advanceSeconds: 1e15,
    });
    assert.equal(far.status, 400);
    assert.equal(far.body.error.code, 'InvalidClockTime');
    const unauthorized = await fetch(`${meterd.url}/admin/v1/clock`);
    assert.equal(unauthorized.status, 401);
  });

  it('moves the 6-hour window: a record 5h59m old is accepted, out of bounds 2 minutes later', async () => {
    await reset();
    const client = meterd.client(KEYS.acme);
    const stamp = new Date((await clockNow()) - (5 * 60 + 59) * MINUTE);
    const accepted = await client.send(batch(record(stamp)));
    assert.equal(accepted.Results?.[0]?.Status, 'Success');

    await clock('PUT', { advanceSeconds: 120 });
    await assert.rejects(client.send(batch(record(stamp))), {
      name: 'TimestampOutOfBoundsException',
    });
    // Signatures are still checked against real time: the SDK signs with its own clock.
    await clock('PUT', { advanceSeconds: 24 * 3600 });
    const now = new Date(await clockNow());
    assert.equal((await client.send(batch(record(now)))).Results?.[0]?.Status, 'Success');
  });

  it('moves the grace hour: metering after unsubscribing is accepted for an hour, then refused', async () => {
    await reset();
    const customer = `9${String(Date.now()).slice(-11)}`;
    const created = await meterd.admin<{ licenseArn: string; customerIdentifier: string }>(
      'POST',
      '/agreements',
      {
        productCode: 'acme-saas',
        customerAWSAccountId: customer,
        startedAt: '2020-01-01T00:00:00Z',
      },
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { licenseArn, customerIdentifier } = created.body;
    const cancelled = await meterd.admin<{ endedAt: string }>(
      'PATCH',
      `/agreements/${encodeURIComponent(licenseArn)}`,
      { status: 'unsubscribed' },
    );
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const ended = Date.parse(cancelled.body.endedAt);
    const client = meterd.client(KEYS.acme);
    const usage = (minutesBeforeEnd: number) =>
      record(new Date(ended - minutesBeforeEnd * MINUTE), customerIdentifier);

    await clock('PUT', { advanceSeconds: 59 * 60 });
    const inside = await client.send(batch(usage(1)));
    assert.equal(inside.Results?.[0]?.Status, 'Success');

    await clock('PUT', { advanceSeconds: 2 * 60 });
    const afterGrace = await client.send(batch(usage(2)));
    assert.equal(afterGrace.Results?.[0]?.Status, 'CustomerNotSubscribed');
  });

  it('expires registration tokens by the clock', async () => {
    await reset();
    const minted = await meterd.admin<{ registrationToken: string; expiresAt: string }>(
      'POST',
      '/registration-tokens',
      { productCode: 'acme-saas', customerAWSAccountId: GLOBEX },
    );
    assert.equal(minted.status, 201);
    const client = meterd.client(KEYS.acme);
    const resolve = () =>
      client.send(new ResolveCustomerCommand({ RegistrationToken: minted.body.registrationToken }));
    assert.equal((await resolve()).CustomerAWSAccountId, GLOBEX);

    // The fixture catalog's TTL is an hour.
    const ttl = (Date.parse(minted.body.expiresAt) - (await clockNow())) / 1000;
    assert.ok(ttl > 3500 && ttl <= 3600, `ttl ${ttl}`);
    await clock('PUT', { advanceSeconds: 3601 });
    await assert.rejects(resolve(), { name: 'ExpiredTokenException' });
  });

  it('expires a rotated-out signing key by the clock', async () => {
    await reset();
    const rotated = await meterd.admin<{ version: number }>('POST', '/signing-keys/rotate', {
      previousKeyGraceSeconds: 3600,
    });
    assert.equal(rotated.status, 201);
    const previous = rotated.body.version - 1;
    const client = meterd.client(KEYS.globex);
    const register = () =>
      client.send(
        new RegisterUsageCommand({
          ProductCode: 'acme-container',
          PublicKeyVersion: previous,
          Nonce: randomUUID(),
        }),
      );
    assert.equal((await register()).PublicKeyRotationTimestamp, undefined);
    await clock('PUT', { advanceSeconds: 3601 });
    const expired = await register();
    assert.ok(expired.PublicKeyRotationTimestamp instanceof Date);
    const keys = await meterd.admin<{ keys: Array<{ version: number; expiresAt: string }> }>(
      'GET',
      '/signing-keys',
    );
    assert.equal(
      expired.PublicKeyRotationTimestamp.getTime(),
      Date.parse(keys.body.keys.find((k) => k.version === previous)!.expiresAt),
    );
  });

  it('audits each change of the clock, and keeps both times in every event while it is moved', async () => {
    await reset();
    const moved = await clock('PUT', { advanceSeconds: 10 * 3600 });
    const client = meterd.client(KEYS.acme);
    const answer = await client.send(batch(record(new Date(Date.parse(moved.now)))));
    const requestId = answer.$metadata.requestId;

    const events = await meterd.admin<{ events: Event[] }>('GET', '/events?limit=1000');
    const setClock = events.body.events.filter((e) => e.eventName === 'SetClock');
    const last = setClock.at(-1)!;
    assert.equal(last.eventSource, 'admin.meterd');
    assert.equal(last.userIdentity.type, 'Unknown');
    assert.equal(last.recipientAccountId, '000000000000');
    assert.deepEqual(last.requestParameters, { advanceSeconds: 36000 });
    assert.equal(last.additionalEventData?.before?.offsetSeconds, 0);
    assert.equal(last.additionalEventData?.after?.offsetSeconds, 36000);
    // eventTime is the clock's time; the real time is kept beside it.
    const drift = Date.parse(last.eventTime) - Date.parse(last.additionalEventData!.realEventTime!);
    assert.ok(Math.abs(drift - 36_000_000) <= 1000, `drift ${drift}`);
    assert.ok(setClock.some((e) => (e.requestParameters as { reset?: boolean }).reset === true));

    const call = events.body.events.find((e) => e.requestID === requestId)!;
    assert.equal(call.eventName, 'BatchMeterUsage');
    const callDrift =
      Date.parse(call.eventTime) - Date.parse(call.additionalEventData!.realEventTime!);
    assert.ok(Math.abs(callDrift - 36_000_000) <= 1000, `drift ${callDrift}`);

    // Listed by the clock's time, as the seller's code sees it.
    const since = Math.floor(Date.parse(moved.now) / 1000) - 5;
    const later = await meterd.admin<{ events: Event[] }>(
      'GET',
      `/events?limit=1000&startTime=${since}`,
    );
    assert.ok(later.body.events.some((e) => e.requestID === requestId));
  });

  it('is moved by the CLI: meterd clock get, set, advance and reset', async () => {
    await reset();
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [CLI, 'clock', ...args],
          { env: { ...process.env, METERD_URL: meterd.url, METERD_ADMIN_TOKEN: ADMIN_TOKEN } },
          (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const advanced = await run(['advance', '--seconds', '90']);
    assert.equal(advanced.code, 0, advanced.stderr);
    assert.equal((JSON.parse(advanced.stdout) as ClockState).offsetSeconds, 90);
    const target = new Date(Date.now() + 48 * 3_600_000).toISOString();
    const set = await run(['set', '--now', target]);
    assert.equal(set.code, 0, set.stderr);
    assert.ok(
      Math.abs(Date.parse((JSON.parse(set.stdout) as ClockState).now) - Date.parse(target)) < 2000,
    );
    const got = await run(['get']);
    assert.ok((JSON.parse(got.stdout) as ClockState).offsetSeconds > 47 * 3600);
    const bad = await run(['set', '--now', 'yesterday']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /ISO 8601/);
    const reset_ = await run(['reset']);
    assert.equal((JSON.parse(reset_.stdout) as ClockState).offsetSeconds, 0);
  });
});

describe('without --clock-control', () => {
  it('keeps real time and answers the clock routes ClockControlDisabled', async () => {
    const plain = await startMeterd();
    try {
      for (const [method, body] of [
        ['GET', undefined],
        ['PUT', { advanceSeconds: 60 }],
        ['DELETE', undefined],
      ] as const) {
        const r = await plain.admin<{ error: { code: string; message: string } }>(
          method,
          '/clock',
          body,
        );
        assert.equal(r.status, 403);
        assert.equal(r.body.error.code, 'ClockControlDisabled');
        assert.match(r.body.error.message, /--clock-control/);
      }
      // No realEventTime in the events: there is one time only.
      const client = plain.client(KEYS.acme);
      const out = await client.send(batch(record(new Date())));
      const events = await plain.admin<{ events: Event[] }>('GET', '/events?limit=1000');
      const call = events.body.events.find((e) => e.requestID === out.$metadata.requestId)!;
      assert.equal(call.additionalEventData, undefined);
    } finally {
      await plain.stop();
    }
  });
});

describe(
  'two instances on one PostgreSQL database',
  { skip: BACKEND !== 'postgres' && 'runs on the PostgreSQL backend only' },
  () => {
    it('read one clock: moved on one, the other follows', async () => {
      await reset();
      const other = await meterd.another();
      try {
        const stamp = new Date(Date.now() - 60 * MINUTE);
        const client = other.client(KEYS.acme);
        assert.equal((await client.send(batch(record(stamp)))).Results?.[0]?.Status, 'Success');
        await clock('PUT', { advanceSeconds: 6 * 3600 });
        // A read of the clock on the other instance takes the change up at once.
        const seen = await other.admin<ClockState>('GET', '/clock');
        assert.equal(seen.body.offsetSeconds, 6 * 3600);
        await assert.rejects(client.send(batch(record(stamp))), {
          name: 'TimestampOutOfBoundsException',
        });
        await clock('DELETE');
        assert.equal((await other.admin<ClockState>('GET', '/clock')).body.offsetSeconds, 0);
      } finally {
        await other.stop();
      }
    });
  },
);
