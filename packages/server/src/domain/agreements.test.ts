/**
 * @module The order of preference among a customer's agreements with a product.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickAgreement } from './agreements.js';
import type { Agreement, AgreementStatus } from './catalog.js';

const agreement = (licenseArn: string, status: AgreementStatus): Agreement => ({
  licenseArn,
  productCode: 'acme-saas',
  customerAWSAccountId: '222222222222',
  customerIdentifier: 'customer',
  status,
  startedAt: new Date('2026-01-01T00:00:00Z'),
  endedAt: status === 'active' ? null : new Date('2026-02-01T00:00:00Z'),
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
