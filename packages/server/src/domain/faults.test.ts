import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultRuleError, FaultRuleSet, parseFaultRules, ruleId, type FaultCall } from './faults.js';

const call = (over: Partial<FaultCall> = {}): FaultCall => ({
  operation: 'BatchMeterUsage',
  region: 'us-east-1',
  accountId: '111111111111',
  accessKeyId: 'AKIAACMESELLER000001',
  productCode: 'acme-saas',
  records: 20,
  ...over,
});

describe('fault rules', () => {
  it('tries rules in order; the first that fires wins; times exhausts a rule', () => {
    const set = new FaultRuleSet([
      {
        id: 'once',
        operation: 'BatchMeterUsage',
        error: { code: 'ThrottlingException' },
        times: 1,
      },
      { id: 'always', region: 'us-east-1' },
    ]);
    assert.equal(set.decide(call())?.ruleId, 'once');
    assert.equal(set.decide(call())?.ruleId, 'always');
    assert.equal(set.decide(call({ region: 'eu-west-1' })), undefined);
  });

  it("takes LocalStack's defaults: 503 ServiceUnavailable, probability 1", () => {
    assert.deepEqual(new FaultRuleSet([{}]).decide(call())?.effect, {
      kind: 'error',
      code: 'ServiceUnavailable',
      message: `Injected fault (rule ${ruleId({})}).`,
    });
  });

  it('matches service names of the metering service only', () => {
    for (const service of ['meteringmarketplace', 'marketplace-metering', 'aws-marketplace'])
      assert.ok(new FaultRuleSet([{ service }]).decide(call()), service);
    assert.equal(new FaultRuleSet([{ service: 's3' }]).decide(call()), undefined);
  });

  it('gives the same sequence for the same seed, over 1,000 calls', () => {
    const run = (seed: number) => {
      const set = new FaultRuleSet([{ probability: 0.3, seed, unprocessedShare: 0.25 }]);
      return Array.from({ length: 1000 }, () => JSON.stringify(set.decide(call())?.effect ?? null));
    };
    assert.deepEqual(run(7), run(7));
    assert.notDeepEqual(run(7), run(8));
  });

  it('hands back exactly the share of records asked, distinct and in order', () => {
    const set = new FaultRuleSet([{ unprocessedShare: 0.5, seed: 1 }]);
    const effect = set.decide(call({ records: 25 }))?.effect;
    assert.equal(effect?.kind, 'unprocessed');
    const indices = effect.kind === 'unprocessed' ? effect.indices : [];
    assert.equal(indices.length, 13);
    assert.equal(new Set(indices).size, 13);
    assert.deepEqual(
      [...indices].sort((a, b) => a - b),
      indices,
    );
    // A share needs records: MeterUsage is not matched.
    assert.equal(set.decide(call({ operation: 'MeterUsage', records: undefined })), undefined);
  });

  it('refuses what it cannot apply, naming where', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /must be an array/],
      [[{ probability: -1 }], /rules\[0\]\.probability/],
      [[{ error: { statusCode: 302 } }], /statusCode: must be a number from 400 to 599/],
      [[{ latencyMs: 1.5 }], /whole number/],
      [[{ unprocessedShare: 0.5, dropConnection: true }], /at most one/],
      [[{ id: 'x' }, { id: 'x' }], /a second rule with id x/],
      [[{ servcie: 's3' }], /unknown member "servcie"/],
    ];
    for (const [value, message] of cases)
      assert.throws(
        () => parseFaultRules(value),
        (e: Error) => e instanceof FaultRuleError && message.test(e.message),
      );
  });
});
