/**
 * @module Lifecycle notifications end to end, at real receivers: an SNS HTTP subscription
 * (confirmed through its SubscribeURL, every envelope verified by sns-validator against
 * meterd's certificate host, SignatureVersion 1 and 2), an EventBridge API destination, SQS
 * queues on moto_server, and delivery that survives a receiver that is down, a SIGKILL between
 * the change and the delivery, and two PostgreSQL instances.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { freePort, startProcess, waitForPort, type Child } from '@meterd/testkit';
import MessageValidator from 'sns-validator';
import { ADMIN_TOKEN, BACKEND, CLI, startMeterd, type Meterd } from './helpers/meterd.js';
import {
  actionOf,
  certificateOf,
  get,
  Receiver,
  snsUrlOf,
  trust,
  waitForLog,
  type LogEntry,
  type Received,
} from './helpers/receivers.js';

const FAST = ['--notification-poll-ms', '50'];
const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

/** Verifies an SNS envelope as a seller's code does, trusting only meterd's SNS host. */
function verify(envelope: Record<string, unknown>): Promise<void> {
  const validator = new MessageValidator(/^127\.0\.0\.1:\d+$/);
  return new Promise((resolve, reject) =>
    validator.validate(envelope as never, (err) => (err ? reject(err) : resolve())),
  );
}

describe('sns-http: an SNS HTTPS subscription, done as SNS does it', () => {
  let meterd: Meterd;
  let receiver: Receiver;
  before(async () => {
    meterd = await startMeterd({ args: [...FAST, '--sns-https-port', '0', '--clock-control'] });
    trust(await certificateOf(meterd));
    receiver = await Receiver.start();
  });
  after(async () => {
    await meterd.stop();
    await receiver.close();
  });

  for (const version of [1, 2] as const) {
    it(`confirms, then delivers subscribe-success, unsubscribe-pending, unsubscribe-success signed with SignatureVersion ${version}`, async () => {
      const path = `/v${version}`;
      const customer = `70000000001${version}`;
      const mine = (r: Received) => r.path === path;
      const created = await meterd.admin<{ id: string; state: string }>(
        'POST',
        '/notification-targets',
        {
          type: 'sns-http',
          topic: 'subscription',
          productCode: 'acme-saas',
          endpoint: `${receiver.url}${path}`,
          ...(version === 2 ? { signatureVersion: 2 } : {}),
        },
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.state, 'pending-confirmation');

      const [confirmation] = await receiver.waitFor(mine);
      assert.equal(confirmation!.json.Type, 'SubscriptionConfirmation');
      assert.equal(confirmation!.headers['x-amz-sns-message-type'], 'SubscriptionConfirmation');
      assert.equal(confirmation!.json.SignatureVersion, String(version));
      assert.match(
        String(confirmation!.json.TopicArn),
        /^arn:aws:sns:us-east-1:111111111111:aws-mp-subscription-notification-acme-saas$/,
      );
      await verify(confirmation!.json);

      // Nothing but the confirmation until the SubscribeURL is visited.
      const subscribed = await meterd.admin('POST', '/agreements', {
        productCode: 'acme-saas',
        customerAWSAccountId: customer,
      });
      assert.equal(subscribed.status, 201);
      await waitForLog(meterd, (log) =>
        log.some((m) => m.targetId === created.body.id && m.channel === 'sns'),
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(receiver.received.filter(mine).length, 1, 'held until confirmed');

      const visit = await get(String(confirmation!.json.SubscribeURL));
      assert.equal(visit.status, 200, visit.body);
      assert.match(visit.body, /<ConfirmSubscriptionResponse/);

      const [success] = await receiver.waitFor((r) => mine(r) && r.json.Type === 'Notification');
      assert.equal(actionOf(success!), 'subscribe-success');
      assert.deepEqual(JSON.parse(String(success!.json.Message)), {
        action: 'subscribe-success',
        'customer-identifier': JSON.parse(String(success!.json.Message))['customer-identifier'],
        'customer-aws-account-id': customer,
        'product-code': 'acme-saas',
        'offer-identifier': JSON.parse(String(success!.json.Message))['offer-identifier'],
        isFreeTrialTermPresent: 'false',
      });
      assert.equal(success!.headers['x-amz-sns-message-id'], success!.json.MessageId);

      // Cancelled two hours ago: unsubscribe-pending at once, and the grace hour is already over.
      const arn = `arn:aws:license-manager::111111111111:license:l-acme-saas-${customer}`;
      const { body: agreements } = await meterd.admin<{
        agreements: Array<{ licenseArn: string }>;
      }>('GET', `/agreements?productCode=acme-saas&customerAWSAccountId=${customer}`);
      const licenseArn = agreements.agreements[0]?.licenseArn ?? arn;
      const cancelled = await meterd.admin(
        'PATCH',
        `/agreements/${encodeURIComponent(licenseArn)}`,
        { status: 'unsubscribed', endedAt: hoursAgo(2) },
      );
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      const all = await receiver.waitFor((r) => mine(r) && r.json.Type === 'Notification', 3);
      assert.deepEqual(all.map(actionOf), [
        'subscribe-success',
        'unsubscribe-pending',
        'unsubscribe-success',
      ]);
      for (const r of all) await verify(r.json);
      assert.equal(new Set(all.map((r) => r.json.MessageId)).size, 3);

      // The UnsubscribeURL ends the subscription: later notices are not sent to it.
      const bye = await get(String(all[0]!.json.UnsubscribeURL));
      assert.equal(bye.status, 200, bye.body);
      const targets = await meterd.admin<{
        notificationTargets: Array<{ id: string; state: string }>;
      }>('GET', '/notification-targets');
      assert.equal(
        targets.body.notificationTargets.find((t) => t.id === created.body.id)?.state,
        'unsubscribed',
      );
    });
  }

  for (const version of [1, 2] as const) {
    it(`delivers entitlement-updated on the entitlement topic when entitlements change, signed with SignatureVersion ${version}`, async () => {
      const path = `/entitlements-v${version}`;
      const mine = (r: Received) => r.path === path;
      const created = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
        type: 'sns-http',
        topic: 'entitlement',
        productCode: 'acme-saas',
        endpoint: `${receiver.url}${path}`,
        ...(version === 2 ? { signatureVersion: 2 } : {}),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const [confirmation] = await receiver.waitFor(mine);
      assert.match(
        String(confirmation!.json.TopicArn),
        /:aws-mp-entitlement-notification-acme-saas$/,
      );
      await verify(confirmation!.json);
      assert.equal((await get(String(confirmation!.json.SubscribeURL))).status, 200);

      const customer = `70000000002${version}`;
      const subscribed = await meterd.admin<{ licenseArn: string }>('POST', '/agreements', {
        productCode: 'acme-saas',
        customerAWSAccountId: customer,
      });
      assert.equal(subscribed.status, 201);
      const arn = encodeURIComponent(subscribed.body.licenseArn);
      const put = await meterd.admin('PUT', `/agreements/${arn}/entitlements`, {
        entitlements: [{ dimension: 'requests', integerValue: 1000 }],
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const [updated] = await receiver.waitFor((r) => mine(r) && r.json.Type === 'Notification');
      assert.equal(actionOf(updated!), 'entitlement-updated');
      assert.equal(JSON.parse(String(updated!.json.Message))['product-code'], 'acme-saas');
      assert.equal(updated!.json.SignatureVersion, String(version));
      await verify(updated!.json);

      // The same entitlements again change nothing, and send nothing.
      await meterd.admin('PUT', `/agreements/${arn}/entitlements`, {
        entitlements: [{ dimension: 'requests', integerValue: 1000 }],
      });
      await meterd.admin('PUT', `/agreements/${arn}/entitlements`, {
        entitlements: [{ dimension: 'requests', integerValue: 2000 }],
      });
      const notices = (r: Received) => mine(r) && r.json.Type === 'Notification';
      await receiver.waitFor(notices, 2);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(receiver.received.filter(notices).map(actionOf), [
        'entitlement-updated',
        'entitlement-updated',
      ]);
      assert.equal(
        JSON.parse(String(receiver.received.filter(notices)[1]!.json.Message))['product-code'],
        'acme-saas',
      );
      await meterd.admin('DELETE', `/notification-targets/${created.body.id}`);
    });
  }

  it('rejects a tampered envelope (the verifier is not a rubber stamp)', async () => {
    const [any] = await receiver.waitFor((r) => r.json.Type === 'Notification');
    const tampered = { ...any!.json, Message: String(any!.json.Message).replace('acme', 'evil') };
    await assert.rejects(verify(tampered), /signature is invalid/);
  });

  it('schedules unsubscribe-success for the end of the grace hour', async () => {
    const target = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
      type: 'eventbridge-http',
      productCode: 'acme-saas',
      endpoint: `${receiver.url}/later`,
    });
    const customer = '700000000019';
    await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
    });
    const { body } = await meterd.admin<{ agreements: Array<{ licenseArn: string }> }>(
      'GET',
      `/agreements?productCode=acme-saas&customerAWSAccountId=${customer}`,
    );
    const endedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    await meterd.admin(
      'PATCH',
      `/agreements/${encodeURIComponent(body.agreements[0]!.licenseArn)}`,
      {
        status: 'unsubscribed',
        endedAt: endedAt.toISOString(),
      },
    );
    const log = await waitForLog(meterd, (l) =>
      l.some(
        (m) =>
          m.targetId === target.body.id &&
          m.body['detail-type'] === 'License Deprovisioned - Manufacturer',
      ),
    );
    const deprovisioned = log.find(
      (m) =>
        m.targetId === target.body.id &&
        m.body['detail-type'] === 'License Deprovisioned - Manufacturer',
    )!;
    assert.equal(deprovisioned.status, 'pending');
    assert.equal(Date.parse(deprovisioned.nextAttemptAt!), endedAt.getTime() + 3600_000);
  });
  it('sends unsubscribe-success after the clock is advanced one hour, no sleeps', async () => {
    const path = '/clock';
    const mine = (r: Received) => r.path === path && r.json.Type === 'Notification';
    await meterd.admin('POST', '/notification-targets', {
      type: 'sns-http',
      topic: 'subscription',
      productCode: 'acme-saas',
      endpoint: `${receiver.url}${path}`,
      signatureVersion: 2,
    });
    const [confirmation] = await receiver.waitFor((r) => r.path === path);
    assert.equal((await get(String(confirmation!.json.SubscribeURL))).status, 200);
    const customer = '700000000018';
    await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
    });
    const { body } = await meterd.admin<{ agreements: Array<{ licenseArn: string }> }>(
      'GET',
      `/agreements?productCode=acme-saas&customerAWSAccountId=${customer}`,
    );
    await meterd.admin(
      'PATCH',
      `/agreements/${encodeURIComponent(body.agreements[0]!.licenseArn)}`,
      {
        status: 'unsubscribed',
      },
    );
    await receiver.waitFor(mine, 2);
    assert.deepEqual(receiver.received.filter(mine).map(actionOf), [
      'subscribe-success',
      'unsubscribe-pending',
    ]);
    // Metering is still accepted for the grace hour: unsubscribe-success is not due yet.
    const pending = await waitForLog(meterd, (log) =>
      log.some(
        (m) => m.status === 'pending' && JSON.stringify(m.body).includes('unsubscribe-success'),
      ),
    );
    assert.ok(pending.some((m) => m.nextAttemptAt !== null));
    const moved = await meterd.admin('PUT', '/clock', { advanceSeconds: 3600 });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const all = await receiver.waitFor(mine, 3);
    assert.deepEqual(all.map(actionOf), [
      'subscribe-success',
      'unsubscribe-pending',
      'unsubscribe-success',
    ]);
    for (const r of all) await verify(r.json);
    await meterd.admin('DELETE', '/clock');
  });
});

describe('a buyer who subscribes again within the grace hour', () => {
  let meterd: Meterd;
  let receiver: Receiver;
  before(async () => {
    meterd = await startMeterd({ args: [...FAST, '--clock-control'] });
    receiver = await Receiver.start();
  });
  after(async () => {
    await meterd.stop();
    await receiver.close();
  });

  it('gets no unsubscribe-success nor License Deprovisioned: they are dropped, and said so in the log', async () => {
    const sns = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
      type: 'sns-http',
      topic: 'subscription',
      productCode: 'acme-saas',
      endpoint: `${receiver.url}/resub`,
    });
    const [confirmation] = await receiver.waitFor((r) => r.path === '/resub');
    assert.equal((await get(String(confirmation!.json.SubscribeURL))).status, 200);
    const events = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
      type: 'eventbridge-http',
      productCode: 'acme-saas',
      endpoint: `${receiver.url}/resub-events`,
    });
    const customer = '700000000019';
    const made = await meterd.admin<{ licenseArn: string }>('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
    });
    const at = `/agreements/${encodeURIComponent(made.body.licenseArn)}`;
    await meterd.admin('PATCH', at, { status: 'unsubscribed' });
    await meterd.admin('PUT', '/clock', { advanceSeconds: 1800 });
    const again = await meterd.admin<{ status: string }>('PATCH', at, { status: 'active' });
    assert.equal(again.body.status, 'active');
    await meterd.admin('PUT', '/clock', { advanceSeconds: 3600 });

    const ours = (log: LogEntry[]) =>
      log.filter((m) => m.targetId === sns.body.id || m.targetId === events.body.id);
    const log = ours(
      await waitForLog(meterd, (l) =>
        ours(l).every((m) => m.status === 'delivered' || m.status === 'dropped'),
      ),
    );
    const dropped = log.filter((m) => m.status === 'dropped');
    assert.deepEqual(
      dropped
        .map((m) =>
          m.channel === 'sns'
            ? (JSON.parse(String(m.body.message)) as { action: string }).action
            : m.body['detail-type'],
        )
        .sort(),
      ['License Deprovisioned - Manufacturer', 'unsubscribe-success'],
    );
    for (const m of dropped) {
      assert.equal(m.lastError, 'the buyer subscribed again within the grace hour');
      assert.equal(m.attempts, 0, 'nothing was sent');
    }
    const notices = receiver.received.filter(
      (r) => r.path === '/resub' && r.json.Type === 'Notification',
    );
    assert.deepEqual(notices.map(actionOf), [
      'subscribe-success',
      'unsubscribe-pending',
      'subscribe-success',
    ]);
    assert.deepEqual(
      receiver.received.filter((r) => r.path === '/resub-events').map((r) => r.json['detail-type']),
      [
        'Purchase Agreement Created - Manufacturer',
        'Purchase Agreement Created - Proposer',
        'Purchase Agreement Ended - Manufacturer',
        'Purchase Agreement Ended - Proposer',
        'Purchase Agreement Created - Manufacturer',
        'Purchase Agreement Created - Proposer',
      ],
    );

    // Cancelled again, and not taken up: that end is sent when its grace hour is over.
    await meterd.admin('PATCH', at, { status: 'unsubscribed' });
    await meterd.admin('PUT', '/clock', { advanceSeconds: 3660 });
    const last = await receiver.waitFor(
      (r) => r.path === '/resub' && r.json.Type === 'Notification',
      5,
    );
    assert.deepEqual(last.slice(3).map(actionOf), ['unsubscribe-pending', 'unsubscribe-success']);
  });
});

describe('eventbridge-http: events POSTed as an API destination delivers them', () => {
  let meterd: Meterd;
  let receiver: Receiver;
  before(async () => {
    meterd = await startMeterd({ args: FAST });
    receiver = await Receiver.start();
  });
  after(async () => {
    await meterd.stop();
    await receiver.close();
  });

  it('sends the agreement and licence events of a subscription and its end, in order', async () => {
    await meterd.admin('POST', '/notification-targets', {
      type: 'eventbridge-http',
      topic: 'subscription',
      endpoint: `${receiver.url}/events`,
    });
    const customer = '700000000021';
    await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
    });
    const { body } = await meterd.admin<{ agreements: Array<{ licenseArn: string }> }>(
      'GET',
      `/agreements?productCode=acme-saas&customerAWSAccountId=${customer}`,
    );
    await meterd.admin(
      'PATCH',
      `/agreements/${encodeURIComponent(body.agreements[0]!.licenseArn)}`,
      {
        status: 'unsubscribed',
        endedAt: hoursAgo(2),
      },
    );
    const events = await receiver.waitFor(() => true, 5);
    assert.deepEqual(
      events.map((e) => e.json['detail-type']),
      [
        'Purchase Agreement Created - Manufacturer',
        'Purchase Agreement Created - Proposer',
        'Purchase Agreement Ended - Manufacturer',
        'Purchase Agreement Ended - Proposer',
        'License Deprovisioned - Manufacturer',
      ],
    );
    for (const e of events) {
      assert.equal(e.json.source, 'aws.agreement-marketplace');
      assert.equal(e.json.account, '111111111111');
      assert.equal(e.headers['content-type'], 'application/json; charset=utf-8');
      const detail = e.json.detail as { acceptor: { accountId: string } };
      assert.equal(detail.acceptor.accountId, customer);
    }
  });

  it('simulates a failed payment: subscribe-fail, the agreement suspended', async () => {
    const target = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
      type: 'sns-http',
      endpoint: `${receiver.url}/sns-fail`,
    });
    const [confirmation] = await receiver.waitFor((r) => r.path === '/sns-fail');
    assert.equal((await get(String(confirmation!.json.SubscribeURL))).status, 200);
    const r = await meterd.admin<{ status: string }>('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: '700000000022',
      failPayment: true,
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.status, 'suspended');
    const [fail] = await receiver.waitFor(
      (x) => x.path === '/sns-fail' && x.json.Type === 'Notification',
    );
    assert.equal(actionOf(fail!), 'subscribe-fail');
    assert.ok(target.body.id);
    const bad = await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: '700000000023',
      failPayment: 'yes',
    });
    assert.equal(bad.status, 400);
  });

  it('meterd subscribe --fail-payment: subscribe-fail, the agreement suspended, nothing posted to the fulfillment URL', async () => {
    await meterd.admin('POST', '/products', {
      productCode: 'acme-fail-cli',
      sellerAccountId: '111111111111',
      type: 'saas',
      dimensions: ['requests'],
      fulfillmentUrl: `${receiver.url}/signup`,
    });
    await meterd.admin('POST', '/notification-targets', {
      type: 'sns-http',
      endpoint: `${receiver.url}/sns-fail-cli`,
      productCode: 'acme-fail-cli',
    });
    const [confirmation] = await receiver.waitFor((r) => r.path === '/sns-fail-cli');
    assert.equal((await get(String(confirmation!.json.SubscribeURL))).status, 200);
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args, '--url', meterd.url], {
        env: { ...process.env, METERD_ADMIN_TOKEN: ADMIN_TOKEN },
      });
    const buyer = ['--product-code', 'acme-fail-cli', '--customer-aws-account-id', '700000000024'];
    const done = cli('subscribe', ...buyer, '--fail-payment');
    assert.equal(done.status, 0, done.stderr.toString());
    const out = JSON.parse(done.stdout.toString()) as Record<string, unknown>;
    assert.equal(out.status, 'suspended');
    assert.equal(out.failedPayment, true);
    assert.equal(out.registrationToken, undefined);
    const [fail] = await receiver.waitFor(
      (x) => x.path === '/sns-fail-cli' && x.json.Type === 'Notification',
    );
    assert.equal(actionOf(fail!), 'subscribe-fail');
    const agreement = await meterd.admin<{ agreements: Array<{ status: string }> }>(
      'GET',
      '/agreements?productCode=acme-fail-cli&customerAWSAccountId=700000000024',
    );
    assert.deepEqual(
      agreement.body.agreements.map((a) => a.status),
      ['suspended'],
    );
    // The buyer's browser is never sent to the fulfillment URL, and nothing else is notified.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      receiver.received.filter((r) => r.path === '/signup'),
      [],
    );
    assert.equal(
      receiver.received.filter((r) => r.path === '/sns-fail-cli' && r.json.Type === 'Notification')
        .length,
      1,
    );
    // A failed payment is not a trial, nor sent to another URL: the flags are refused together.
    const both = cli('subscribe', ...buyer, '--fail-payment', '--fulfillment-url', receiver.url);
    assert.notEqual(both.status, 0);
    assert.match(both.stderr.toString(), /--fail-payment.*cannot be used with.*--fulfillment-url/);
  });

  it('keeps target secrets out of listings and refuses bad targets with the admin error shape', async () => {
    const made = await meterd.admin<{ config: Record<string, unknown> }>(
      'POST',
      '/notification-targets',
      {
        type: 'sqs',
        queueUrl: 'http://127.0.0.1:1/000000000000/q',
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'very-secret-value',
      },
    );
    assert.equal(made.status, 201);
    assert.equal(made.body.config.secretAccessKey, '***');
    const list = await meterd.admin('GET', '/notification-targets');
    assert.doesNotMatch(JSON.stringify(list.body), /very-secret-value/);
    const shown = await meterd.admin('GET', '/notification-targets?secrets=true');
    assert.match(JSON.stringify(shown.body), /very-secret-value/);
    assert.doesNotMatch(meterd.output(), /very-secret-value/);
    for (const bad of [
      { type: 'smtp', endpoint: 'http://x' },
      { type: 'sns-http' },
      { type: 'sns-http', endpoint: 'ftp://x' },
      { type: 'sns-http', endpoint: 'http://x', signatureVersion: 3 },
      { type: 'eventbridge-http', endpoint: 'http://x', queueUrl: 'http://y' },
      { type: 'sqs', queueUrl: 'http://q', accessKeyId: 'AKID' },
    ]) {
      const r = await meterd.admin<{ error: { code: string } }>(
        'POST',
        '/notification-targets',
        bad,
      );
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.error.code, 'InvalidCatalog');
    }
    assert.equal((await meterd.admin('DELETE', '/notification-targets/nope')).status, 404);
    assert.equal((await meterd.admin('GET', '/notifications?status=lost')).status, 400);
  });
  it('the CLI adds and deletes targets (its secret from the environment) and shows the log', async () => {
    const run = (...args: string[]) =>
      JSON.parse(
        execFileSync(process.execPath, [CLI, ...args, '--url', meterd.url], {
          env: {
            ...process.env,
            METERD_ADMIN_TOKEN: ADMIN_TOKEN,
            METERD_TARGET_SECRET_ACCESS_KEY: 'cli-secret-value',
          },
        }).toString(),
      ) as Record<string, unknown>;
    const added = run(
      'notifications',
      'targets',
      'add',
      '--type',
      'sqs',
      '--queue-url',
      'http://127.0.0.1:1/000000000000/cli',
      '--access-key-id',
      'AKIDCLI',
    ) as { id: string; config: Record<string, unknown> };
    assert.equal(added.config.secretAccessKey, '***');
    const listed = JSON.stringify(run('notifications', 'targets', 'list'));
    assert.match(listed, new RegExp(added.id));
    assert.doesNotMatch(listed, /cli-secret-value/);
    const log = run('notifications', 'log', '--status', 'delivered') as {
      notifications: Array<{ status: string }>;
    };
    assert.ok(log.notifications.length > 0);
    assert.ok(log.notifications.every((m) => m.status === 'delivered'));
    run('notifications', 'targets', 'delete', '--id', added.id);
    assert.doesNotMatch(
      JSON.stringify(run('notifications', 'targets', 'list')),
      new RegExp(added.id),
    );
  });
});

describe('the README', () => {
  it("applies the Notifications section's catalog and delivers to its targets", async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Notifications'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const receiver = await Receiver.start();
    const meterd = await startMeterd({ args: FAST });
    try {
      const doc = parseYaml(yaml.replaceAll('127.0.0.1:8080', `127.0.0.1:${receiver.port}`));
      const applied = await meterd.admin('POST', '/catalog', doc);
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const [confirmation] = await receiver.waitFor((r) => r.path === '/sns');
      assert.equal(confirmation!.json.Type, 'SubscriptionConfirmation');
      assert.equal((await get(String(confirmation!.json.SubscribeURL))).status, 200);
      await meterd.admin('POST', '/agreements', {
        productCode: 'acme-saas',
        customerAWSAccountId: '700000000061',
      });
      const [success] = await receiver.waitFor(
        (r) => r.path === '/sns' && r.json.Type === 'Notification',
      );
      assert.equal(actionOf(success!), 'subscribe-success');
      assert.equal(success!.json.SignatureVersion, '2');
      await receiver.waitFor((r) => r.path === '/events', 2);
    } finally {
      await meterd.stop();
      await receiver.close();
    }
  });
});

describe('delivery survives', () => {
  it('a receiver that is down: retried with backoff until it is back, attempts in the log', async () => {
    const receiver = await Receiver.start({ down: true });
    const meterd = await startMeterd({
      args: [...FAST, '--notification-retry-base-ms', '100', '--notification-retry-max-ms', '400'],
    });
    try {
      const target = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
        type: 'eventbridge-http',
        endpoint: `${receiver.url}/down`,
      });
      await meterd.admin('POST', '/agreements', {
        productCode: 'acme-saas',
        customerAWSAccountId: '700000000031',
      });
      const failing = await waitForLog(meterd, (log) =>
        log.some((m) => m.targetId === target.body.id && m.attempts >= 3),
      );
      const first = failing.find((m) => m.targetId === target.body.id)!;
      assert.equal(first.status, 'pending');
      assert.match(first.lastError ?? '', /ECONNREFUSED/);
      await receiver.open();
      const received = await receiver.waitFor(() => true, 2);
      const log = await waitForLog(meterd, (l) =>
        l.filter((m) => m.targetId === target.body.id).every((m) => m.status === 'delivered'),
      );
      assert.ok(log.find((m) => m.messageId === first.messageId)!.attempts >= 4);
      assert.deepEqual(
        received.map((r) => r.json.id).sort(),
        log
          .filter((m) => m.targetId === target.body.id)
          .map((m) => m.messageId)
          .sort(),
      );
    } finally {
      await meterd.stop();
      await receiver.close();
    }
  });

  it('SIGKILL between the change and the delivery: delivered after restart, same MessageId', async () => {
    const receiver = await Receiver.start({ down: true });
    const meterd = await startMeterd({
      // A message claimed when meterd was killed waits out its lease: a short one here.
      args: [
        ...FAST,
        '--notification-retry-base-ms',
        '100',
        '--notification-retry-max-ms',
        '200',
        '--notification-lease-ms',
        '1000',
      ],
    });
    let restarted: Meterd | undefined;
    try {
      const target = await meterd.admin<{ id: string }>('POST', '/notification-targets', {
        type: 'eventbridge-http',
        endpoint: `${receiver.url}/kill`,
      });
      await meterd.admin('POST', '/agreements', {
        productCode: 'acme-saas',
        customerAWSAccountId: '700000000041',
      });
      const before = await waitForLog(meterd, (log) =>
        log.some((m) => m.targetId === target.body.id && m.attempts >= 1),
      );
      const ids = before.filter((m) => m.targetId === target.body.id).map((m) => m.messageId);
      await meterd.kill();
      await receiver.open();
      restarted = await meterd.restart();
      const received = await receiver.waitFor(() => true, ids.length);
      assert.deepEqual(received.map((r) => String(r.json.id)).sort(), [...ids].sort());
    } finally {
      await (restarted ?? meterd).stop();
      await receiver.close();
    }
  });

  it(
    'two PostgreSQL instances: each message is delivered once, not once per instance',
    { skip: BACKEND !== 'postgres' && 'runs on the PostgreSQL backend only' },
    async () => {
      const receiver = await Receiver.start();
      const first = await startMeterd({ args: ['--notification-poll-ms', '10'] });
      const second = await first.another();
      try {
        await first.admin('POST', '/notification-targets', {
          type: 'eventbridge-http',
          endpoint: `${receiver.url}/pg`,
        });
        const customers = Array.from(
          { length: 20 },
          (_, i) => `7000000001${String(i).padStart(2, '0')}`,
        );
        await Promise.all(
          customers.map((c, i) =>
            (i % 2 ? first : second).admin('POST', '/agreements', {
              productCode: 'acme-saas',
              customerAWSAccountId: c,
            }),
          ),
        );
        await receiver.waitFor(() => true, customers.length * 2);
        await new Promise((r) => setTimeout(r, 500));
        const ids = receiver.received.map((r) => String(r.json.id));
        assert.equal(ids.length, customers.length * 2, 'no message twice');
        assert.equal(new Set(ids).size, ids.length);
      } finally {
        await second.stop();
        await first.stop();
        await receiver.close();
      }
    },
  );
});

const moto = (() => {
  try {
    execFileSync('which', ['moto_server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe(
  'sqs: the notices in a queue on moto_server, as an SNS→SQS subscription delivers them',
  { skip: !moto && 'moto_server is not installed (pip install "moto[server]")' },
  () => {
    let server: Child;
    let endpoint: string;
    let meterd: Meterd;
    const sqs = () =>
      new SQSClient({
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
    before(async () => {
      const port = await freePort();
      server = startProcess('moto_server', ['-p', String(port)]);
      await waitForPort(port, { timeoutMs: 20_000 });
      endpoint = `http://127.0.0.1:${port}`;
      meterd = await startMeterd({ args: [...FAST, '--sns-https-port', '0'] });
      trust(await certificateOf(meterd));
    });
    after(async () => {
      await meterd.stop();
      await server.stop();
    });

    for (const raw of [false, true]) {
      it(raw ? 'rawMessageDelivery: the message alone' : 'the signed SNS envelope', async () => {
        const client = sqs();
        const queue = await client.send(
          new CreateQueueCommand({ QueueName: `mp-${raw ? 'raw' : 'sns'}` }),
        );
        await meterd.admin('POST', '/notification-targets', {
          type: 'sqs',
          topic: 'subscription',
          productCode: 'acme-saas',
          queueUrl: queue.QueueUrl,
          endpointUrl: endpoint,
          region: 'us-east-1',
          accessKeyId: 'testing',
          secretAccessKey: 'testing',
          ...(raw ? { rawMessageDelivery: true } : {}),
        });
        await meterd.admin('POST', '/agreements', {
          productCode: 'acme-saas',
          customerAWSAccountId: raw ? '700000000051' : '700000000052',
        });
        const got = await client.send(
          new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, WaitTimeSeconds: 5 }),
        );
        const body = JSON.parse(got.Messages?.[0]?.Body ?? '{}') as Record<string, unknown>;
        const message = raw ? body : (JSON.parse(String(body.Message)) as Record<string, unknown>);
        assert.equal(message.action, 'subscribe-success');
        assert.equal(message['product-code'], 'acme-saas');
        if (!raw) {
          assert.equal(body.Type, 'Notification');
          assert.equal(snsUrlOf(meterd).startsWith('https://127.0.0.1:'), true);
          await verify(body);
        }
        client.destroy();
      });
    }
  },
);
