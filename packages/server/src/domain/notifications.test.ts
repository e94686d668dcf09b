import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Agreement } from './catalog.js';
import {
  agreementNotices,
  entitlementNotices,
  fanOut,
  retryDelayMs,
  type NotificationTarget,
} from './notifications.js';

const now = new Date('2030-01-01T12:00:00Z');
let n = 0;
const ctx = {
  now,
  product: { productCode: 'p', sellerAccountId: '111111111111' },
  region: 'us-east-1',
  newId: () => `id-${++n}`,
};
const active: Agreement = {
  licenseArn: 'arn:aws:license-manager::1:license:l-1',
  productCode: 'p',
  customerAWSAccountId: '222222222222',
  customerIdentifier: 'cust',
  status: 'active',
  startedAt: null,
  endedAt: null,
  entitlements: [],
};
const kinds = (notices: ReturnType<typeof agreementNotices>) =>
  notices.map((x) =>
    x.channel === 'sns'
      ? (JSON.parse(String(x.body.message)) as { action: string }).action
      : String(x.body['detail-type']),
  );

describe('agreementNotices', () => {
  it('sends subscribe-success and the Created events for a subscription, nothing for no change', () => {
    assert.deepEqual(kinds(agreementNotices(undefined, active, ctx)), [
      'subscribe-success',
      'Purchase Agreement Created - Manufacturer',
      'Purchase Agreement Created - Proposer',
    ]);
    assert.deepEqual(agreementNotices(active, active, ctx), []);
  });
  it('sends unsubscribe-pending now and unsubscribe-success at the end of the grace hour', () => {
    const ended = { ...active, status: 'unsubscribed' as const, endedAt: now };
    const notices = agreementNotices(active, ended, ctx);
    assert.deepEqual(kinds(notices), [
      'unsubscribe-pending',
      'Purchase Agreement Ended - Manufacturer',
      'Purchase Agreement Ended - Proposer',
      'unsubscribe-success',
      'License Deprovisioned - Manufacturer',
    ]);
    assert.deepEqual(
      notices.map((x) => x.dueAt.getTime() - now.getTime()),
      [0, 0, 0, 3600_000, 3600_000],
    );
    const pending = JSON.parse(String(notices[0]!.body.message)) as Record<string, string>;
    assert.equal(pending['offer-identifier'], undefined, 'subscribe actions only');
    assert.equal(pending['customer-aws-account-id'], '222222222222');
  });
  it('sends subscribe-fail for a failed payment only', () => {
    const suspended = { ...active, status: 'suspended' as const };
    assert.deepEqual(
      kinds(agreementNotices(undefined, suspended, { ...ctx, failedPayment: true })),
      ['subscribe-fail'],
    );
    assert.deepEqual(agreementNotices(undefined, suspended, ctx), []);
  });
});

describe('entitlementNotices', () => {
  it('sends entitlement-updated when the entitlements differ, on the entitlement topic', () => {
    const seats = (integerValue: number): Agreement => ({
      ...active,
      entitlements: [{ dimension: 'seats', integerValue, expirationDate: null }],
    });
    const withE = seats(5);
    const more = seats(9);
    const [e] = entitlementNotices(withE, more, ctx);
    assert.equal(e!.topic, 'entitlement');
    assert.match(String(e!.body.topicArn), /:aws-mp-entitlement-notification-p$/);
    assert.deepEqual(JSON.parse(String(e!.body.message)), {
      action: 'entitlement-updated',
      'customer-identifier': 'cust',
      'product-code': 'p',
    });
    assert.deepEqual(entitlementNotices(withE, { ...withE }, ctx), []);
    assert.deepEqual(entitlementNotices(active, active, ctx), []);
  });
});

describe('fanOut', () => {
  it('gives each target the notices of its topic, product and channel', () => {
    const t = (id: string, over: Partial<NotificationTarget>): NotificationTarget => ({
      id,
      type: 'sns-http',
      topic: 'all',
      productCode: null,
      config: {},
      state: 'confirmed',
      token: null,
      createdAt: now,
      ...over,
    });
    const notices = agreementNotices(undefined, active, ctx);
    const out = fanOut(notices, [
      t('sns', {}),
      t('eb', { type: 'eventbridge-http', state: 'active' }),
      t('other', { productCode: 'q' }),
      t('ent', { topic: 'entitlement' }),
      t('gone', { state: 'unsubscribed' }),
    ]);
    assert.deepEqual(
      out.map((m) => m.targetId),
      ['sns', 'eb', 'eb'],
    );
  });
});

describe('retryDelayMs', () => {
  it('doubles up to the cap, half of it random', () => {
    const policy = { baseMs: 1000, maxMs: 8000, maxAttempts: 50 };
    assert.equal(
      retryDelayMs(1, policy, () => 0),
      500,
    );
    assert.equal(
      retryDelayMs(1, policy, () => 1),
      1000,
    );
    assert.equal(
      retryDelayMs(3, policy, () => 1),
      4000,
    );
    assert.equal(
      retryDelayMs(10, policy, () => 0),
      4000,
    );
    assert.equal(
      retryDelayMs(10, policy, () => 1),
      8000,
    );
  });
});
