/**
 * @module The activation period of an agreement, and the order of preference among a customer's
 * agreements with a product.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inActivationPeriod, pickAgreement } from './agreements.js';
import type { Agreement, AgreementStatus } from './catalog.js';

const agreement = (licenseArn: string, status: AgreementStatus): Agreement => ({
  licenseArn,
  productCode: 'acme-saas',
  customerAWSAccountId: '222222222222',
  customerIdentifier: 'customer',
  status,
  startedAt: new Date('2026-01-01T00:00:00Z'),
  endedAt: status === 'active' ? null : new Date('2026-02-01T00:00:00Z'),
  entitlements: [],
});

describe('pickAgreement', () => {
  it('prefers an active agreement, then an unsubscribed one, then the first', () => {
    const suspended = agreement('suspended', 'suspended');
    const unsubscribed = agreement('unsubscribed', 'unsubscribed');
    const active = agreement('active', 'active');
    assert.equal(pickAgreement([suspended, unsubscribed, active]), active);
    assert.equal(pickAgreement([suspended, unsubscribed]), unsubscribed);
    assert.equal(pickAgreement([suspended, agreement('later', 'suspended')]), suspended);
    assert.equal(pickAgreement([active, agreement('newer', 'active')]), active);
    assert.equal(pickAgreement([]), undefined);
  });
});

const t = (iso: string) => new Date(iso);
const period = (
  licenseArn: string,
  status: AgreementStatus,
  startedAt: string | null,
  endedAt: string | null,
): Agreement => ({
  ...agreement(licenseArn, status),
  startedAt: startedAt === null ? null : t(startedAt),
  endedAt: endedAt === null ? null : t(endedAt),
  entitlements: [],
});

describe('inActivationPeriod', () => {
  const cases: Array<[string, string | null, string | null, string, boolean]> = [
    ['before the start', '2026-01-01T00:00:00Z', null, '2025-12-31T23:59:59Z', false],
    ['at the start', '2026-01-01T00:00:00Z', null, '2026-01-01T00:00:00Z', true],
    ['inside', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-01-15T00:00:00Z', true],
    ['at the end', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z', true],
    [
      'after the end',
      '2026-01-01T00:00:00Z',
      '2026-02-01T00:00:00Z',
      '2026-02-01T00:00:01Z',
      false,
    ],
    ['any time before, with no start', null, null, '1970-01-02T00:00:00Z', true],
    ['after the end, with no start', null, '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', false],
  ];
  for (const [what, startedAt, endedAt, time, expected] of cases)
    it(`${expected ? 'holds' : 'does not hold'} a time ${what}`, () => {
      assert.equal(
        inActivationPeriod(period('l', 'active', startedAt, endedAt), t(time)),
        expected,
      );
    });
});

describe('pickAgreement at a time', () => {
  const ended = period('ended', 'unsubscribed', '2026-01-01T00:00:00Z', '2026-01-10T00:00:00Z');
  const renewed = period('renewed', 'active', '2026-01-20T00:00:00Z', null);
  const open = period('open', 'active', null, null);

  it('prefers an agreement whose period holds the time, whatever its status', () => {
    assert.equal(pickAgreement([ended, renewed], t('2026-01-05T00:00:00Z')), ended);
    assert.equal(pickAgreement([ended, renewed], t('2026-01-25T00:00:00Z')), renewed);
  });
  it('among those holding the time, prefers an active one', () => {
    assert.equal(pickAgreement([ended, open], t('2026-01-05T00:00:00Z')), open);
  });
  it('falls back to the order of preference when no period holds the time', () => {
    assert.equal(pickAgreement([ended, renewed], t('2026-01-15T00:00:00Z')), renewed);
    assert.equal(pickAgreement([ended], t('2026-01-15T00:00:00Z')), ended);
  });
});
