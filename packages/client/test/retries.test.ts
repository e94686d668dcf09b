import assert from 'node:assert/strict';
import { after, describe, mock, test } from 'node:test';
import { createClient, type ClientHooks } from '../src/client/marketplacemetering.js';
import type { MarketplaceMeteringConfig } from '../src/config/options.js';
import {
  InternalServiceErrorException,
  InvalidTokenException,
  MarketplaceMeteringServiceException,
  ThrottlingException,
} from '../src/index.js';
import { awsError, type Reply } from './support/fake-endpoint.js';
import { sandboxEachTest } from './support/sandbox.js';

const OK: Reply = { status: 200, body: { MeteringRecordId: 'record-1' } };
const INPUT = {
  ProductCode: 'acme-ami',
  Timestamp: new Date(),
  UsageDimension: 'hours',
  UsageQuantity: 1,
};

const sandbox = sandboxEachTest();
after(() => mock.timers.reset());

/** A fake endpoint answering with `replies` in turn (the last one repeats), and a client of it. */
async function setup(
  replies: Reply[],
  config: MarketplaceMeteringConfig = {},
  hooks: ClientHooks = {},
) {
  const fake = await sandbox.endpoint((_, i) => replies[Math.min(i, replies.length - 1)]!);
  const delays: number[] = [];
  const svc = createClient(
    {
      config,
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: { creds: { access_key_id: 'AKIDRETRY', secret_access_key: 'secret' } },
    },
    {
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
      },
      ...hooks,
    },
  );
  return { svc, delays, fake };
}

describe('retries', () => {
  test('ThrottlingException is retried with the throttling backoff', async () => {
    const { svc, delays, fake } = await setup([
      awsError(400, 'ThrottlingException'),
      awsError(400, 'ThrottlingException'),
      OK,
    ]);
    const out = await svc.meterUsage(INPUT);
    assert.equal(out.MeteringRecordId, 'record-1');
    assert.equal(fake.requests.length, 3);
    assert.deepEqual(delays, [250, 500], 'half of 500 ms, then half of 1000 ms');
    assert.deepEqual(out.$metadata, {
      httpStatusCode: 200,
      requestId: 'req-3',
      attempts: 3,
      totalRetryDelay: 750,
    });
  });

  test('InternalServiceErrorException, other 5xx and a dropped connection are retried', async () => {
    const { svc, delays, fake } = await setup([
      awsError(500, 'InternalServiceErrorException'),
      { status: 503, text: '<html>Service Unavailable</html>' },
      { drop: true },
      OK,
    ]);
    const out = await svc.meterUsage(INPUT);
    assert.equal(out.MeteringRecordId, 'record-1');
    assert.equal(fake.requests.length, 4);
    assert.deepEqual(delays, [50, 100, 200], 'half of 100 ms doubling');
    assert.equal(out.$metadata.attempts, 4);
  });

  test('gives up after max_retries retries with the last error', async () => {
    const { svc, fake } = await setup([
      awsError(500, 'InternalServiceErrorException', 'still down'),
    ]);
    await assert.rejects(svc.meterUsage(INPUT), (err: unknown) => {
      assert.ok(err instanceof InternalServiceErrorException);
      assert.equal(err.message, 'still down');
      assert.equal(err.$fault, 'server');
      assert.equal(err.$metadata.attempts, 4);
      return true;
    });
    assert.equal(fake.requests.length, 4, 'one attempt and the default three retries');
  });

  test('max_retries: 0 makes a single attempt; max_retries: 5 makes six', async () => {
    const once = await setup([awsError(400, 'ThrottlingException')], { max_retries: 0 });
    await assert.rejects(once.svc.meterUsage(INPUT), ThrottlingException);
    assert.equal(once.fake.requests.length, 1);
    const six = await setup([awsError(400, 'ThrottlingException')], { max_retries: 5 });
    await assert.rejects(six.svc.meterUsage(INPUT), ThrottlingException);
    assert.equal(six.fake.requests.length, 6);
    assert.deepEqual(six.delays, [250, 500, 1000, 2000, 4000]);
  });

  test('a network failure on every attempt ends with the network error', async () => {
    const { svc, fake } = await setup([{ drop: true }], { max_retries: 1 });
    await assert.rejects(svc.meterUsage(INPUT), (err: unknown) => {
      assert.ok(!(err instanceof MarketplaceMeteringServiceException));
      assert.match(
        String((err as NodeJS.ErrnoException).code ?? (err as Error).message),
        /ECONNRESET|socket hang up/,
      );
      return true;
    });
    assert.equal(fake.requests.length, 2);
  });

  const notRetried: [string, Reply][] = [
    ['a modelled client fault', awsError(400, 'InvalidTokenException')],
    ['a ValidationException', awsError(400, 'ValidationException')],
    ['an authentication failure', awsError(400, 'UnrecognizedClientException')],
    ['a 413', { status: 413, body: { message: 'Request entity too large' } }],
  ];
  for (const [name, reply] of notRetried) {
    test(`${name} is not retried`, async () => {
      const { svc, fake, delays } = await setup([reply, OK]);
      await assert.rejects(
        svc.resolveCustomer({ RegistrationToken: 't' }),
        MarketplaceMeteringServiceException,
      );
      assert.equal(fake.requests.length, 1);
      assert.deepEqual(delays, []);
    });
  }

  test('MeterUsage gets one UUID ClientToken, repeated on every retry', async () => {
    const { svc, fake } = await setup([awsError(500, 'InternalServiceErrorException'), OK]);
    await svc.meterUsage(INPUT);
    const tokens = fake.requests.map(
      (r) => (JSON.parse(r.body) as { ClientToken: string }).ClientToken,
    );
    assert.match(
      tokens[0]!,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.equal(tokens[1], tokens[0]);
    await svc.meterUsage(INPUT);
    const third = (JSON.parse(fake.requests[2]!.body) as { ClientToken: string }).ClientToken;
    assert.notEqual(third, tokens[0], 'a new call gets a new token');
  });

  test('a ClientToken given by the caller is sent as is', async () => {
    const { svc, fake } = await setup([OK]);
    await svc.meterUsage({ ...INPUT, ClientToken: 'my-token' });
    assert.equal(
      (JSON.parse(fake.requests[0]!.body) as { ClientToken: string }).ClientToken,
      'my-token',
    );
  });

  test('every attempt is signed afresh', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-11-23T01:00:00Z') });
    try {
      const { svc, fake } = await setup(
        [awsError(400, 'ThrottlingException'), OK],
        {},
        {
          sleep: async (ms) => mock.timers.tick(ms + 5_000),
        },
      );
      await svc.meterUsage({ ...INPUT, Timestamp: new Date() });
      const [first, second] = fake.requests;
      assert.equal(first!.headers['x-amz-date'], '20261123T010000Z');
      assert.equal(second!.headers['x-amz-date'], '20261123T010005Z');
      assert.notEqual(first!.headers.authorization, second!.headers.authorization);
      assert.equal(first!.body, second!.body, 'the body, ClientToken included, is the same');
    } finally {
      mock.timers.reset();
    }
  });

  test('the backoff really waits between attempts', async () => {
    const { svc, fake } = await setup(
      [awsError(400, 'ThrottlingException'), awsError(500, 'InternalServiceErrorException'), OK],
      {},
      { random: () => 0.2, sleep: undefined },
    );
    const started = performance.now();
    const out = await svc.resolveCustomer({ RegistrationToken: 't' });
    const elapsed = performance.now() - started;
    assert.equal(out.$metadata.totalRetryDelay, 100 + 40, '0.2 of 500 ms, then 0.2 of 200 ms');
    assert.ok(elapsed >= 140, `waited ${elapsed} ms`);
    assert.equal(fake.requests.length, 3);
  });
});

describe('connections', () => {
  test('keep-alive by default: calls share one connection', async () => {
    const { svc, fake } = await setup([OK]);
    await svc.meterUsage(INPUT);
    await svc.meterUsage(INPUT);
    assert.equal(fake.requests[0]!.headers.connection, 'keep-alive');
    assert.equal(fake.requests[0]!.remotePort, fake.requests[1]!.remotePort);
    svc.destroy();
  });

  test('close_connection: each call on a new connection that the client closes', async () => {
    const { svc, fake } = await setup([OK], { close_connection: true });
    await svc.meterUsage(INPUT);
    await svc.meterUsage(INPUT);
    assert.equal(fake.requests[0]!.headers.connection, 'close');
    assert.notEqual(fake.requests[0]!.remotePort, fake.requests[1]!.remotePort);
  });
});

test('an error from a client fault keeps its class through the public entry point', async () => {
  const { svc } = await setup([awsError(400, 'InvalidTokenException', 'bad token')]);
  await assert.rejects(svc.resolveCustomer({ RegistrationToken: 'x' }), (err: unknown) => {
    assert.ok(err instanceof InvalidTokenException);
    assert.equal(err.requestId, 'req-1');
    assert.equal(err.$httpStatus, 400);
    return true;
  });
});
