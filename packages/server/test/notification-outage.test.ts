/**
 * @module A receiver down for a whole minute, with the retry policy a deployment would use
 * (`--notification-retry-base-ms 1000`, `--notification-retry-max-ms 15000`): each message is
 * retried with backoff while it is down, the delivery log shows the attempts and the last error,
 * and once it is back every message arrives once, with the MessageId it had from the start. It
 * takes about 75 s of real time, so it is a file of its own that the runner overlaps with others.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startMeterd, type Meterd } from './helpers/meterd.js';
import { actionOf, get, Receiver, waitForLog, type LogEntry } from './helpers/receivers.js';

const OUTAGE_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a receiver down for a minute', () => {
  let meterd: Meterd;
  let receiver: Receiver;
  before(async () => {
    meterd = await startMeterd({
      args: ['--notification-retry-base-ms', '1000', '--notification-retry-max-ms', '15000'],
    });
    receiver = await Receiver.start();
  });
  after(async () => {
    await meterd.stop();
    await receiver.close();
  });

  it('is retried with backoff until it is back: attempts and last errors in the log, MessageIds kept', async (t) => {
    const sns = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
      type: 'sns-http',
      endpoint: `${receiver.url}/sns`,
      productCode: 'acme-saas',
    });
    const [confirmation] = await receiver.waitFor((r) => r.path === '/sns');
    assert.equal((await get(String(confirmation!.json.SubscribeURL))).status, 200);
    const events = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
      type: 'eventbridge-http',
      endpoint: `${receiver.url}/events`,
      productCode: 'acme-saas',
    });
    const ours = (log: LogEntry[]) =>
      log.filter(
        (m) =>
          (m.targetId === sns.body.id || m.targetId === events.body.id) &&
          m.channel !== 'confirmation',
      );

    await receiver.close();
    const downAt = Date.now();
    const made = await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: '700000000091',
    });
    assert.equal(made.status, 201);

    // Half-way through the outage: every message pending, tried more than once, its error kept.
    await sleep(OUTAGE_MS / 2);
    const midway = ours(await waitForLog(meterd, () => true));
    assert.equal(midway.length, 3, JSON.stringify(midway)); // subscribe-success, two events
    for (const m of midway) {
      assert.equal(m.status, 'pending');
      assert.ok(m.attempts >= 3, `${m.attempts} attempts in 30 s`);
      assert.match(m.lastError ?? '', /ECONNREFUSED/);
      assert.ok(m.nextAttemptAt !== null);
      const wait = Date.parse(m.nextAttemptAt!) - Date.now();
      assert.ok(wait <= 15_000, `next attempt ${wait} ms away: more than the maximum delay`);
    }

    await sleep(downAt + OUTAGE_MS - Date.now());
    const before = ours(await waitForLog(meterd, () => true));
    for (const m of before) {
      assert.equal(m.status, 'pending');
      // 1 s doubling to 15 s, half of it random: 7 to 13 attempts in a minute, not a busy loop.
      assert.ok(m.attempts >= 6 && m.attempts <= 14, `${m.attempts} attempts in 60 s`);
    }
    await receiver.open();
    const backAt = Date.now();

    const delivered = ours(
      await waitForLog(meterd, (log) => ours(log).every((m) => m.status === 'delivered'), 30_000),
    );
    const deliveredAfterMs = Date.now() - backAt;
    assert.ok(deliveredAfterMs <= 20_000, `delivered ${deliveredAfterMs} ms after it came back`);
    t.diagnostic(
      `attempts while down: ${before.map((m) => m.attempts).join(', ')}; delivered ${deliveredAfterMs} ms after it came back`,
    );
    const byId = new Map(before.map((m) => [m.messageId, m]));
    assert.deepEqual(
      delivered.map((m) => m.messageId).sort(),
      [...byId.keys()].sort(),
      'the same messages, with the MessageIds they had while the receiver was down',
    );
    for (const m of delivered) assert.ok(m.attempts > byId.get(m.messageId)!.attempts);

    const notices = receiver.received.filter(
      (r) => r.path === '/sns' && r.json.Type === 'Notification',
    );
    assert.deepEqual(
      notices.map((r) => [actionOf(r), r.json.MessageId]),
      delivered
        .filter((m) => m.targetId === sns.body.id)
        .map((m) => ['subscribe-success', m.messageId]),
    );
    const received = receiver.received.filter((r) => r.path === '/events');
    assert.deepEqual(
      received.map((r) => r.json.id).sort(),
      delivered
        .filter((m) => m.targetId === events.body.id)
        .map((m) => m.messageId)
        .sort(),
      'each event once, its id the MessageId',
    );
  });
});
