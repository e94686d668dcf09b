/**
 * @module The edges of the rules in docs/behaviour.md that the per-operation suites leave out:
 * the other JSON content types, identifiers that cannot be stored, long values in validation
 * messages, the 5-minute future allowance, BatchMeterUsage's default quantity, licences of
 * another seller or period, RegisterUsage's claims, the default rotation grace, and calls
 * refused before their operation leaving no audit event. Against a real meterd.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  RegisterUsageCommand,
  type MarketplaceMeteringClient,
} from '@aws-sdk/client-marketplace-metering';
import { decodeJwt } from 'jose';
import { KEYS, minutesAgo, startMeterd, type Meterd } from './helpers/meterd.js';
import { rawCall } from './helpers/sign.js';

const GLOBEX = '222222222222';
const HOOLI = '444444444444';
const ACME_LICENCE = 'arn:aws:license-manager::222222222222:license:l-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let meterd: Meterd;
let acme: MarketplaceMeteringClient;
let initech: MarketplaceMeteringClient;

before(async () => {
  meterd = await startMeterd();
  acme = meterd.client(KEYS.acme);
  initech = meterd.client(KEYS.initech);
});
after(() => meterd.stop());

async function rejects(promise: Promise<unknown>, name: string, message?: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** A usage hour of its own for each test, so that no two tests deduplicate each other. */
let hour = 0;
const ownHour = () => new Date(Math.floor(Date.now() / 3600_000 - 1 - (hour++ % 5)) * 3600_000);

describe('framing', () => {
  const emptyBatch = JSON.stringify({ ProductCode: 'acme-saas', UsageRecords: [] });

  for (const contentType of ['application/x-amz-json-1.0', 'application/json'])
    it(`accepts the ${contentType} content type`, async () => {
      const answer = await rawCall(meterd.url, {
        operation: 'BatchMeterUsage',
        contentType,
        body: emptyBatch,
        credentials: KEYS.acme,
      });
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.json, { Results: [], UnprocessedRecords: [] });
    });

  const unstorable = [
    ['a NUL in CustomerIdentifier', 'BatchMeterUsage', 'customerIdentifier', 'globex\u0000'],
    [
      'an unpaired surrogate in RegistrationToken',
      'ResolveCustomer',
      'registrationToken',
      '\ud800',
    ],
  ] as const;
  for (const [what, operation, member, value] of unstorable)
    it(`refuses ${what} as a constraint violation`, async () => {
      const body =
        operation === 'BatchMeterUsage'
          ? {
              ProductCode: 'acme-saas',
              UsageRecords: [
                {
                  Timestamp: Math.floor(Date.now() / 1000) - 60,
                  CustomerIdentifier: value,
                  Dimension: 'requests',
                },
              ],
            }
          : { RegistrationToken: value };
      const answer = await rawCall(meterd.url, {
        operation,
        body: JSON.stringify(body),
        credentials: KEYS.acme,
      });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.json?.__type, 'ValidationException');
      assert.match(
        String(answer.json?.message),
        new RegExp(
          `at '[a-zA-Z.0-9]*${member}' failed to satisfy constraint: Member must not contain the NUL character \\(U\\+0000\\) or unpaired surrogates`,
        ),
      );
    });

  it('shows a long value cut short in a validation message', async () => {
    const long = 'x'.repeat(5000);
    const answer = await rawCall(meterd.url, {
      operation: 'BatchMeterUsage',
      body: JSON.stringify({
        ProductCode: 'acme-saas',
        UsageRecords: [
          {
            Timestamp: Math.floor(Date.now() / 1000) - 60,
            CustomerAWSAccountId: long,
            Dimension: 'requests',
          },
        ],
      }),
      credentials: KEYS.acme,
    });
    assert.equal(answer.json?.__type, 'ValidationException', answer.text.slice(0, 300));
    const message = String(answer.json?.message);
    assert.ok(message.includes(`'${'x'.repeat(256)}...'`), message.slice(0, 400));
    assert.ok(!message.includes('x'.repeat(257)), 'the value is cut at 256 characters');
    assert.ok(message.length < 1000, `message of ${message.length} characters`);
  });
});

describe('BatchMeterUsage edges', () => {
  const batch = (records: Array<Record<string, unknown>>, productCode = 'acme-saas') =>
    new BatchMeterUsageCommand({
      ProductCode: productCode,
      UsageRecords: records.map((r) => ({
        CustomerAWSAccountId: GLOBEX,
        Dimension: 'requests',
        Quantity: 1,
        ...r,
      })) as never,
    });

  it('accepts a timestamp up to 5 minutes ahead of its clock, and refuses one further ahead', async () => {
    const soon = new Date(Date.now() + 4 * 60_000);
    const out = await acme.send(batch([{ Timestamp: soon, Dimension: 'storage_gb' }]));
    assert.equal(out.Results?.[0]?.Status, 'Success');
    await rejects(
      acme.send(batch([{ Timestamp: new Date(Date.now() + 6 * 60_000) }])),
      'TimestampOutOfBoundsException',
      /in the future/,
    );
  });

  it('stores a record with no Quantity as quantity 0', async () => {
    const t = ownHour();
    const out = await acme.send(
      new BatchMeterUsageCommand({
        ProductCode: 'acme-saas',
        UsageRecords: [{ Timestamp: t, CustomerAWSAccountId: GLOBEX, Dimension: 'requests' }],
      }),
    );
    const id = out.Results?.[0]?.MeteringRecordId;
    assert.equal(out.Results?.[0]?.Status, 'Success');
    const { body } = await meterd.admin<{
      records: Array<{ meteringRecordId: string; quantity: number }>;
    }>(
      'GET',
      `/usage?productCode=acme-saas&customerAWSAccountId=${GLOBEX}&startTime=${t.toISOString()}&endTime=${new Date(t.getTime() + 3600_000).toISOString()}`,
    );
    const stored = body.records.find((r) => r.meteringRecordId === id);
    assert.ok(stored, `record ${id} is stored`);
    assert.equal(stored.quantity, 0);
  });

  it("fails the whole batch on another seller's licence with InvalidLicenseException", async () => {
    await rejects(
      initech.send(batch([{ Timestamp: minutesAgo(5), LicenseArn: ACME_LICENCE }], 'initech-saas')),
      'InvalidLicenseException',
      /is invalid/,
    );
  });

  it("fails the whole batch on a usage time outside the licence's period", async () => {
    const startedAt = minutesAgo(30);
    const created = await meterd.admin<{ licenseArn: string }>('POST', '/agreements', {
      productCode: 'acme-saas-2',
      customerAWSAccountId: HOOLI,
      status: 'active',
      startedAt: startedAt.toISOString(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const licence = created.body.licenseArn;
    await rejects(
      acme.send(
        batch(
          [
            {
              Timestamp: minutesAgo(120),
              CustomerAWSAccountId: HOOLI,
              Dimension: 'seats',
              LicenseArn: licence,
            },
          ],
          'acme-saas-2',
        ),
      ),
      'InvalidLicenseException',
      /outside the activation period/,
    );
    const inside = await acme.send(
      batch(
        [
          {
            Timestamp: minutesAgo(10),
            CustomerAWSAccountId: HOOLI,
            Dimension: 'seats',
            LicenseArn: licence,
          },
        ],
        'acme-saas-2',
      ),
    );
    assert.equal(inside.Results?.[0]?.Status, 'Success');
  });
});

describe('RegisterUsage claims', () => {
  it("signs the buyer's account id, and a nonce of its own when the call sends none", async () => {
    const task = meterd.client(KEYS.globexTask);
    const first = await task.send(
      new RegisterUsageCommand({ ProductCode: 'acme-container', PublicKeyVersion: 1 }),
    );
    const second = await task.send(
      new RegisterUsageCommand({ ProductCode: 'acme-container', PublicKeyVersion: 1 }),
    );
    const claims = [first, second].map((out) => decodeJwt(out.Signature!));
    for (const c of claims) {
      assert.equal(c.customerAWSAccountId, GLOBEX);
      assert.equal(c.productCode, 'acme-container');
      assert.match(String(c.nonce), UUID);
    }
    assert.notEqual(claims[0]!.nonce, claims[1]!.nonce, 'each answer has its own nonce');
    const given = await task.send(
      new RegisterUsageCommand({
        ProductCode: 'acme-container',
        PublicKeyVersion: 1,
        Nonce: 'nonce-of-the-task',
      }),
    );
    assert.equal(decodeJwt(given.Signature!).nonce, 'nonce-of-the-task');
  });
});

describe('signing-key rotation', () => {
  it('keeps the previous key current for 7 days when no grace is given', async () => {
    const own = await startMeterd();
    try {
      const before = Date.now();
      const rotated = await own.admin('POST', '/signing-keys/rotate', {});
      assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
      const { body } = await own.admin<{
        keys: Array<{ version: number; expiresAt: string | null }>;
      }>('GET', '/signing-keys');
      const previous = body.keys.find((k) => k.version === 1);
      assert.ok(previous?.expiresAt, JSON.stringify(body));
      const grace = new Date(previous.expiresAt).getTime() - before;
      const week = 7 * 24 * 3600_000;
      assert.ok(grace >= week - 1000 && grace <= week + 60_000, `grace of ${grace} ms`);
    } finally {
      await own.stop();
    }
  });
});

describe('audit trail', () => {
  it('keeps no event of calls refused before their operation is known', async () => {
    const refused = await Promise.all([
      rawCall(meterd.url, {
        operation: 'BatchMeterUsage',
        body: '{}',
        credentials: { ...KEYS.acme, secretAccessKey: 'not-the-secret' },
      }),
      rawCall(meterd.url, { target: 'AWSMPMeteringService.Nope', credentials: KEYS.acme }),
      rawCall(meterd.url, {
        operation: 'BatchMeterUsage',
        body: '{}',
        contentType: 'text/plain',
        credentials: KEYS.acme,
      }),
    ]);
    const ids = new Set<string>();
    for (const answer of refused) {
      assert.equal(answer.status >= 400 && answer.status < 500, true, answer.text);
      ids.add(answer.headers.get('x-amzn-requestid')!);
    }
    // A call that is audited, to show that the trail is being written at all.
    const audited = await rawCall(meterd.url, {
      operation: 'BatchMeterUsage',
      body: '{}',
      credentials: KEYS.acme,
    });
    const auditedId = audited.headers.get('x-amzn-requestid')!;
    const events: Array<{ requestID: string }> = [];
    let after: string | undefined;
    do {
      const page = await meterd.admin<{ events: typeof events; nextToken?: string }>(
        'GET',
        `/events?limit=1000${after ? `&after=${after}` : ''}`,
      );
      events.push(...page.body.events);
      after = page.body.nextToken;
    } while (after);
    assert.ok(
      events.some((e) => e.requestID === auditedId),
      'the accepted call is audited',
    );
    assert.deepEqual(
      events.filter((e) => ids.has(e.requestID)),
      [],
    );
  });
});
