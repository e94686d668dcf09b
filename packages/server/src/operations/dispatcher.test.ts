/**
 * @module The dispatcher on a real (in-memory) embedded store: one audit event per call,
 * committed with the call's records when it writes any; hooks before the operation; the AWS
 * error of every failure, the store's included; and the registration token kept out of events.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callMeta, renderCall, type EventToStore } from '../audit/call.js';
import type { AuditEvent } from '../audit/event.js';
import { SigningKeys } from '../catalog/signing-keys.js';
import type { CallContext } from '../domain/call-context.js';
import { defaultCustomerIdentifier, defaultLicenseArn } from '../domain/identifiers.js';
import { ThrottlingException } from '../protocol/errors.js';
import { TransientStoreError } from '../storage/errors.js';
import { openStore } from '../storage/open.js';
import type { Store } from '../storage/store.js';
import { Dispatcher, type BeforeOperation, type Call } from './dispatcher.js';

const SELLER = '111111111111';
const BUYER = '222222222222';
const REGION = 'us-east-1';
const TOKEN = 'registration-token-that-must-not-be-audited';

let store: Store;
let requests = 0;
const logged: Array<{ details: Record<string, unknown>; message: string }> = [];
const log = {
  error: (details: object, message: string) =>
    logged.push({ details: details as Record<string, unknown>, message }),
  warn: (details: object, message: string) =>
    logged.push({ details: details as Record<string, unknown>, message }),
};

before(async () => {
  store = await openStore({ dataDir: ':memory:' });
  const agreement = (productCode: string) => ({
    licenseArn: defaultLicenseArn(productCode, BUYER),
    productCode,
    customerAWSAccountId: BUYER,
    customerIdentifier: defaultCustomerIdentifier(productCode, BUYER),
    status: 'active' as const,
    startedAt: new Date(Date.now() - 86_400_000),
    endedAt: null,
    entitlements: [],
  });
  const product = (productCode: string, type: 'saas' | 'ami', dimensions: string[]) => ({
    productCode,
    sellerAccountId: SELLER,
    type,
    dimensions,
    fulfillmentUrl: null,
    meterUsageMode: 'hourly' as const,
    publicKeyVersions: null,
  });
  await store.applyCatalog({
    accounts: [
      { accountId: SELLER, name: 'seller' },
      { accountId: BUYER, name: 'buyer' },
    ],
    products: [product('acme-saas', 'saas', ['requests']), product('acme-ami', 'ami', ['hours'])],
    agreements: [agreement('acme-saas'), agreement('acme-ami')],
  });
  await store.putRegistrationToken({
    token: TOKEN,
    productCode: 'acme-saas',
    customerAWSAccountId: BUYER,
    licenseArn: defaultLicenseArn('acme-saas', BUYER),
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 3_600_000),
  });
});
after(() => store.close());

/** A call's context, with a request id of its own. */
function context(accountId: string): CallContext {
  return {
    requestId: `request-${++requests}`,
    principal: {
      accountId,
      accessKeyId: `AKIA${accountId}`,
      temporary: false,
      resourceRegion: REGION,
    },
    region: REGION,
    sourceIp: '127.0.0.1',
    userAgent: 'dispatcher-test',
    now: new Date(),
  };
}

/** `store` with some of its methods replaced. */
function withStore(overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof Store];
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function dispatcher(options: { store?: Store; beforeOperation?: BeforeOperation[] } = {}) {
  return new Dispatcher({
    deps: {
      store: options.store ?? store,
      region: REGION,
      signingKeys: new SigningKeys(store),
    },
    log,
    ...(options.beforeOperation ? { beforeOperation: options.beforeOperation } : {}),
  });
}

const body = (value: unknown) => Buffer.from(JSON.stringify(value));
// Every call reports usage at the same time, so that calls meet in the same hour.
const USAGE_TIME = Math.floor(Date.now() / 1000) - 60;

async function eventsOf(ctx: CallContext): Promise<AuditEvent[]> {
  const stored = await store.listEvents({ limit: 1000 });
  return stored.map((s) => s.event).filter((e) => e.requestID === ctx.requestId);
}

async function usageOf(ctx: CallContext) {
  const { records } = await store.listUsage({ limit: 1000 });
  return records.filter((r) => r.requestId === ctx.requestId);
}

const meterUsage = (quantity = 1, over: Record<string, unknown> = {}) => ({
  ProductCode: 'acme-ami',
  Timestamp: USAGE_TIME,
  UsageDimension: 'hours',
  UsageQuantity: quantity,
  ...over,
});

describe('Dispatcher: the audit of a call', () => {
  it('audits a rejected call once, with its error and its request', async () => {
    const ctx = context(BUYER);
    const answer = await dispatcher().dispatch(
      'MeterUsage',
      ctx,
      body(meterUsage(1, { ProductCode: 'no-such-product' })),
    );
    assert.ok('error' in answer);
    assert.equal(answer.error.name, 'InvalidProductCodeException');
    const events = await eventsOf(ctx);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.eventName, 'MeterUsage');
    assert.equal(events[0]!.errorCode, 'InvalidProductCodeException');
    assert.equal(events[0]!.errorMessage, answer.error.message);
    assert.equal(events[0]!.responseElements, null);
    assert.equal(
      (events[0]!.requestParameters as { productCode: string }).productCode,
      'no-such-product',
    );
  });

  it('audits a call that fails validation with the body as sent, and one that is not JSON with none', async () => {
    const invalid = context(BUYER);
    const answer = await dispatcher().dispatch(
      'MeterUsage',
      invalid,
      body({ ProductCode: 'acme-ami' }),
    );
    assert.ok('error' in answer);
    assert.equal(answer.error.name, 'ValidationException');
    const [event, ...more] = await eventsOf(invalid);
    assert.equal(more.length, 0);
    assert.equal(event!.errorCode, 'ValidationException');
    assert.deepEqual(event!.requestParameters, { productCode: 'acme-ami' });

    const garbled = context(BUYER);
    const refused = await dispatcher().dispatch('MeterUsage', garbled, Buffer.from('{"a":'));
    assert.ok('error' in refused);
    assert.equal(refused.error.name, 'SerializationException');
    const events = await eventsOf(garbled);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.requestParameters, null);
  });

  it('commits an accepted MeterUsage call’s event with its record, not on its own', async () => {
    const appended: EventToStore[] = [];
    const committed: EventToStore[] = [];
    const watched = withStore({
      appendEvent: (event) => (appended.push(event), store.appendEvent(event)),
      recordUsage: (records, settle) =>
        store.recordUsage(records, (outcomes) => {
          const settled = settle(outcomes);
          committed.push(settled.event);
          return settled;
        }),
    });
    const ctx = context(BUYER);
    const answer = await dispatcher({ store: watched }).dispatch(
      'MeterUsage',
      ctx,
      body(meterUsage(3)),
    );
    assert.ok('output' in answer, JSON.stringify(answer));
    const id = answer.output.MeteringRecordId;
    assert.deepEqual(appended, [], 'no event stored apart from the record');
    assert.equal(committed.length, 1);
    const events = await eventsOf(ctx);
    // The event as committed (the call's compact form), rendered as the trail renders it.
    const rendered = committed.map((e) =>
      'kind' in e ? renderCall({ ...e, meta: callMeta(e.meta)! }) : e,
    );
    assert.deepEqual(events, JSON.parse(JSON.stringify(rendered)), 'the committed event is stored');
    assert.deepEqual(events[0]!.responseElements, { meteringRecordId: id });
    assert.equal(events[0]!.errorCode, undefined);
    // The token the call was recorded under, generated as the caller sent none.
    assert.match(
      (events[0]!.requestParameters as { clientToken: string }).clientToken,
      /^[0-9a-f-]{36}$/,
    );
    const records = await usageOf(ctx);
    assert.deepEqual(
      records.map((r) => [r.meteringRecordId, r.quantity]),
      [[id, 3]],
    );

    // The same hour with another quantity: refused, and that refusal commits in the same way.
    const again = context(BUYER);
    const conflict = await dispatcher({ store: watched }).dispatch(
      'MeterUsage',
      again,
      body(meterUsage(4)),
    );
    assert.ok('error' in conflict);
    assert.equal(conflict.error.name, 'DuplicateRequestException');
    assert.deepEqual(appended, []);
    assert.equal(committed.length, 2);
    const refused = await eventsOf(again);
    assert.equal(refused.length, 1, 'audited once');
    assert.equal(refused[0]!.errorCode, 'DuplicateRequestException');
    assert.deepEqual(await usageOf(again), []);
  });

  it('audits an accepted ResolveCustomer call with its token masked, and a refused one too', async () => {
    const ctx = context(SELLER);
    const answer = await dispatcher().dispatch(
      'ResolveCustomer',
      ctx,
      body({ RegistrationToken: TOKEN }),
    );
    assert.ok('output' in answer, JSON.stringify(answer));
    assert.equal(answer.output.CustomerAWSAccountId, BUYER);
    const [event, ...more] = await eventsOf(ctx);
    assert.equal(more.length, 0);
    assert.deepEqual(event!.requestParameters, { registrationToken: '***' });
    assert.equal((event!.responseElements as { productCode: string }).productCode, 'acme-saas');

    // Another seller's call with the token, and one with the member misspelt.
    for (const [who, sent] of [
      [context(BUYER), { RegistrationToken: TOKEN }],
      [context(SELLER), { RegistrationTokn: TOKEN }],
    ] as const) {
      const refused = await dispatcher().dispatch('ResolveCustomer', who, body(sent));
      assert.ok('error' in refused);
      const events = await eventsOf(who);
      assert.equal(events.length, 1);
      assert.ok(events[0]!.errorCode);
      assert.ok(!JSON.stringify(events[0]).includes(TOKEN), 'the token is not in the event');
    }
  });
});

describe('Dispatcher: hooks before the operation', () => {
  it('runs the hooks in order with the validated call; one that throws stops the call, audited', async () => {
    const seen: string[] = [];
    let input: Call['input'] | undefined;
    const hooks: BeforeOperation[] = [
      async (call) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.push(`first ${call.operation} ${call.ctx.requestId}`);
        input = call.input;
      },
      (call) => {
        seen.push(`second ${call.operation}`);
        if (call.operation === 'MeterUsage' && call.input.UsageQuantity === 13)
          throw new ThrottlingException('Rate exceeded (injected).');
      },
    ];
    const ctx = context(BUYER);
    const before = await store.countUsage();
    const answer = await dispatcher({ beforeOperation: hooks }).dispatch(
      'MeterUsage',
      ctx,
      body(meterUsage(13, { UsageDimension: 'hours' })),
    );
    assert.ok('error' in answer);
    assert.equal(answer.error.name, 'ThrottlingException');
    assert.equal(answer.error.message, 'Rate exceeded (injected).');
    assert.deepEqual(seen, [`first MeterUsage ${ctx.requestId}`, 'second MeterUsage']);
    assert.ok((input as { Timestamp: unknown }).Timestamp instanceof Date, 'validated input');
    assert.equal(await store.countUsage(), before, 'no record written');
    assert.deepEqual(await usageOf(ctx), []);
    const events = await eventsOf(ctx);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.errorCode, 'ThrottlingException');

    // The hooks let other calls through to the operation.
    const passed = context(SELLER);
    const ok = await dispatcher({ beforeOperation: hooks }).dispatch(
      'BatchMeterUsage',
      passed,
      body({ ProductCode: 'acme-saas', UsageRecords: [] }),
    );
    assert.deepEqual(ok, { output: { Results: [], UnprocessedRecords: [] } });
  });

  it('answers anything else a hook throws as an internal error, logged with the request id', async () => {
    const ctx = context(BUYER);
    const answer = await dispatcher({
      beforeOperation: [
        () => {
          throw new Error('a bug in a hook');
        },
      ],
    }).dispatch('MeterUsage', ctx, body(meterUsage()));
    assert.ok('error' in answer);
    assert.equal(answer.error.name, 'InternalServiceErrorException');
    assert.ok(!answer.error.message.includes('a bug'), 'the cause is not told to the caller');
    const entry = logged.find((l) => l.details.requestId === ctx.requestId);
    assert.equal((entry?.details.err as Error | undefined)?.message, 'a bug in a hook');
    const events = await eventsOf(ctx);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.errorCode, 'InternalServiceErrorException');
  });
});

describe('Dispatcher: a store that stays unavailable', () => {
  const unavailable = () => Promise.reject(new TransientStoreError('database unavailable (test)'));

  it('answers MeterUsage ThrottlingException, audited, with nothing written', async () => {
    const ctx = context(BUYER);
    const answer = await dispatcher({ store: withStore({ recordUsage: unavailable }) }).dispatch(
      'MeterUsage',
      ctx,
      body(meterUsage(5)),
    );
    assert.ok('error' in answer);
    assert.equal(answer.error.name, 'ThrottlingException');
    assert.deepEqual(await usageOf(ctx), []);
    const events = await eventsOf(ctx);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.errorCode, 'ThrottlingException');
  });

  it('hands BatchMeterUsage’s entitled records back in UnprocessedRecords, audited', async () => {
    const ctx = context(SELLER);
    const now = USAGE_TIME;
    const entitled = {
      Timestamp: now,
      CustomerAWSAccountId: BUYER,
      Dimension: 'requests',
      Quantity: 2,
    };
    const stranger = {
      Timestamp: now,
      CustomerAWSAccountId: '999999999999',
      Dimension: 'requests',
      Quantity: 1,
    };
    const answer = await dispatcher({ store: withStore({ recordUsage: unavailable }) }).dispatch(
      'BatchMeterUsage',
      ctx,
      body({ ProductCode: 'acme-saas', UsageRecords: [entitled, stranger] }),
    );
    assert.ok('output' in answer, JSON.stringify(answer));
    const asSent = (r: typeof entitled) => ({ ...r, Timestamp: new Date(r.Timestamp * 1000) });
    assert.deepEqual(answer.output, {
      Results: [{ UsageRecord: asSent(stranger), Status: 'CustomerNotSubscribed' }],
      UnprocessedRecords: [asSent(entitled)],
    });
    assert.deepEqual(await usageOf(ctx), []);
    const events = await eventsOf(ctx);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.errorCode, undefined);
    const response = events[0]!.responseElements as { unprocessedRecords: unknown[] };
    assert.equal(response.unprocessedRecords.length, 1);
  });

  it('answers a call whose event cannot be stored ThrottlingException', async () => {
    const ctx = context(SELLER);
    const answer = await dispatcher({ store: withStore({ appendEvent: unavailable }) }).dispatch(
      'ResolveCustomer',
      ctx,
      body({ RegistrationToken: TOKEN }),
    );
    assert.ok('error' in answer);
    assert.equal(answer.error.name, 'ThrottlingException');
    // The store's write health logs the episode once; no line per call.
    assert.equal(
      logged.find((l) => l.details.requestId === ctx.requestId),
      undefined,
    );
  });

  it('logs, with its request id, an event that fails for another reason', async () => {
    const ctx = context(SELLER);
    const broken = () => Promise.reject(new Error('a bug'));
    const answer = await dispatcher({ store: withStore({ appendEvent: broken }) }).dispatch(
      'ResolveCustomer',
      ctx,
      body({ RegistrationToken: 'no-such-token' }),
    );
    assert.ok('error' in answer);
    assert.equal(answer.error.name, 'InvalidTokenException');
    const entry = logged.find((l) => l.details.requestId === ctx.requestId);
    assert.equal(entry?.message, 'could not audit a rejected call');
  });
});
