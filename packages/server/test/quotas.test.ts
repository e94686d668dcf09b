/**
 * @module AWS's quotas (`--aws-quotas`) against a real meterd: a client bursting at 50
 * BatchMeterUsage calls a second gets about the documented 10 a second accepted and the rest
 * throttled, as AWS answers it; a second account calling at the same time is unaffected; the
 * throttled calls are marked in the audit trail and counted in the metrics.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchMeterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import { KEYS, minutesAgo, startMeterd, type Meterd } from './helpers/meterd.js';

const SECONDS = 3;
const BURST_RATE = 50;
const QUIET_RATE = 5;

let meterd: Meterd;
before(async () => {
  meterd = await startMeterd({ args: ['--aws-quotas'] });
});
after(() => meterd.stop());

/** Sends `rate` calls a second for SECONDS seconds, on a fixed schedule; their outcomes. */
async function burst(send: () => Promise<unknown>, rate: number) {
  const started = Date.now();
  const calls: Array<Promise<string>> = [];
  for (let i = 0; i < rate * SECONDS; i++) {
    const due = started + (i * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    calls.push(
      send().then(
        () => 'ok',
        (e: Error) => e.name,
      ),
    );
  }
  return Promise.all(calls);
}

describe('--aws-quotas', () => {
  it('accepts about 10 BatchMeterUsage calls a second per account and throttles the rest', async (t) => {
    const acme = meterd.client(KEYS.acme);
    const initech = meterd.client(KEYS.initech);
    const record = [
      {
        Timestamp: minutesAgo(5),
        CustomerAWSAccountId: '222222222222',
        Dimension: 'requests',
        Quantity: 1,
      },
    ];
    const [loud, quiet] = await Promise.all([
      burst(
        () =>
          acme.send(new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: record })),
        BURST_RATE,
      ),
      burst(
        () =>
          initech.send(
            new BatchMeterUsageCommand({ ProductCode: 'initech-saas', UsageRecords: record }),
          ),
        QUIET_RATE,
      ),
    ]);
    const accepted = loud.filter((o) => o === 'ok').length;
    const throttled = loud.filter((o) => o === 'ThrottlingException').length;
    // A full bucket (10) and then 10 a second.
    const expected = 10 + 10 * SECONDS;
    assert.ok(
      Math.abs(accepted - expected) <= 6,
      `accepted ${accepted} of ${loud.length}, expected about ${expected}`,
    );
    assert.equal(accepted + throttled, loud.length, 'every other call is throttled');
    assert.deepEqual(
      quiet,
      Array(QUIET_RATE * SECONDS).fill('ok'),
      'the other account is unaffected',
    );
    t.diagnostic(
      `quotas: ${accepted} of ${loud.length} calls accepted in ${SECONDS} s at ${BURST_RATE} calls/s`,
    );

    const text = await (await fetch(`${meterd.url}/metrics`)).text();
    assert.match(
      text,
      new RegExp(`meterd_throttled_total\\{operation="BatchMeterUsage"\\} ${throttled}\\n`),
    );
    const events = await meterd.admin<{
      events: Array<{
        errorCode?: string;
        additionalEventData?: { throttled?: { quota: string; ratePerSecond: number } };
      }>;
    }>('GET', '/events?eventName=BatchMeterUsage&limit=1000');
    const marked = events.body.events.filter((e) => e.errorCode === 'ThrottlingException');
    assert.equal(marked.length, throttled);
    for (const e of marked)
      assert.deepEqual(e.additionalEventData?.throttled, {
        quota: 'BatchMeterUsage',
        ratePerSecond: 10,
        burst: 10,
      });
  });
});
