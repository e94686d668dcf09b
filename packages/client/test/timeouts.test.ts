import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callOperation } from '../src/client/call-operation.js';
import { targetResolver } from '../src/client/resolve-target.js';
import { resolveOptions } from '../src/config/resolve-options.js';
import { marketplacemetering, TimeoutError } from '../src/index.js';
import { ConnectTimeoutError, type Transport } from '../src/transport/http-transport.js';
import { awsError } from './support/fake-endpoint.js';
import { sandboxEachTest } from './support/sandbox.js';

const INPUT = { ProductCode: 'acme-ami', Timestamp: new Date(), UsageDimension: 'hours' };
const creds = { creds: { access_key_id: 'AKIDTIMEOUT', secret_access_key: 'secret' } };

const sandbox = sandboxEachTest();

describe('timeout', () => {
  test('a call that gets no answer fails with TimeoutError after `timeout` seconds', async () => {
    const fake = await sandbox.endpoint(() => ({ hang: true }));
    const svc = marketplacemetering({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: creds,
      config: { timeout: 0.3 },
    });
    const started = performance.now();
    await assert.rejects(svc.meterUsage(INPUT), (err: unknown) => {
      assert.ok(err instanceof TimeoutError);
      assert.equal(err.name, 'TimeoutError');
      assert.equal(err.phase, 'call');
      assert.equal(err.attempts, 1);
      assert.equal(
        err.message,
        'MeterUsage did not complete within 0.3 s (timeout); 1 attempt(s) made',
      );
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 2000, `took ${elapsed} ms`);
  });

  test('the timeout covers retries and the waits between them', async () => {
    const fake = await sandbox.endpoint(() => awsError(400, 'ThrottlingException'));
    const svc = marketplacemetering({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: creds,
      config: { timeout: 0.4, max_retries: 10 },
    });
    await assert.rejects(svc.resolveCustomer({ RegistrationToken: 't' }), (err: unknown) => {
      assert.ok(err instanceof TimeoutError);
      assert.equal(err.operation, 'ResolveCustomer');
      assert.ok(err.attempts >= 1 && err.attempts < 11);
      return true;
    });
  });

  test('a call that answers in time is not affected by the timeout', async () => {
    const fake = await sandbox.endpoint(() => ({ status: 200, body: { MeteringRecordId: 'r' } }));
    const svc = marketplacemetering({
      region: 'us-east-1',
      endpoint: fake.url,
      credentials: creds,
      config: { timeout: 5 },
    });
    assert.equal((await svc.meterUsage(INPUT)).MeteringRecordId, 'r');
  });

  test('credentials that never arrive (a hanging instance metadata service) time out too', async () => {
    const fake = await sandbox.endpoint(() => ({ hang: true }));
    delete process.env.AWS_EC2_METADATA_DISABLED;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = fake.url;
    const svc = marketplacemetering({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      config: { timeout: 0.3 },
    });
    await assert.rejects(svc.meterUsage(INPUT), TimeoutError);
    assert.ok(fake.requests.length >= 1, 'the metadata service was asked');
  });
});

describe('connect_timeout', () => {
  test('a connection that cannot be made in time is retried, then reported as a TimeoutError', async () => {
    const settings = resolveOptions({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: creds,
      config: { connect_timeout: 2, max_retries: 2 },
    });
    let sends = 0;
    const transport: Transport = {
      send: async () => {
        sends += 1;
        throw new ConnectTimeoutError(2);
      },
      destroy: () => {},
    };
    const context = {
      settings,
      transport,
      target: targetResolver(settings),
      random: () => 0,
      sleep: async () => {},
    };
    await assert.rejects(
      callOperation(context, 'RegisterUsage', { ProductCode: 'p', PublicKeyVersion: 1 }),
      (err: unknown) => {
        assert.ok(err instanceof TimeoutError);
        assert.equal(err.phase, 'connect');
        assert.equal(err.timeoutSeconds, 2);
        assert.equal(err.attempts, 3);
        assert.match(
          err.message,
          /RegisterUsage could not connect within 2 s \(connect_timeout\); 3 attempt\(s\) made/,
        );
        return true;
      },
    );
    assert.equal(sends, 3);
  });
});

test('timeout: Infinity sets no limit (and no timer that would overflow)', async () => {
  const fake = await sandbox.endpoint(() => ({ status: 200, body: { MeteringRecordId: 'r' } }));
  const svc = marketplacemetering({
    region: 'us-east-1',
    endpoint: fake.url,
    credentials: creds,
    config: { timeout: Infinity, connect_timeout: 1e12 },
  });
  assert.equal((await svc.meterUsage(INPUT)).MeteringRecordId, 'r');
});
