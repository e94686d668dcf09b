/**
 * @module Fault injection against a real meterd: the JavaScript SDK's standard retry strategy
 * through injected ThrottlingException and InternalServiceErrorException (attempts counted in
 * the audit trail), records handed back in UnprocessedRecords and absent from the store, a
 * seeded rule's sequence over 1,000 calls, dropped connections and delays, LocalStack's Chaos
 * API bodies unchanged, the metrics, and a rule changed on one instance applied by another.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  MarketplaceMeteringClient,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering';
import {
  ADMIN_TOKEN,
  BACKEND,
  KEYS,
  minutesAgo,
  startMeterd,
  type Meterd,
} from './helpers/meterd.js';

const GLOBEX = '222222222222';
// Customers of acme-saas made for the UnprocessedRecords test: 13 of them, 2 dimensions each.
const CUSTOMERS = Array.from({ length: 13 }, (_, i) => `7000000001${String(i).padStart(2, '0')}`);

interface Event {
  eventName: string;
  requestID: string;
  errorCode?: string;
  userAgent: string;
  additionalEventData?: { injectedFault?: { rule: string; effect: string; latencyMs?: number } };
}

let meterd: Meterd;

before(async () => {
  meterd = await startMeterd({ args: ['--localstack-chaos-api'] });
  for (const customer of CUSTOMERS) {
    const r = await meterd.admin('POST', '/agreements', {
      productCode: 'acme-saas',
      customerAWSAccountId: customer,
      startedAt: '2020-01-01T00:00:00Z',
    });
    assert.equal(r.status, 201);
  }
});
after(() => meterd.stop());

async function setRules(rules: unknown[]) {
  const r = await meterd.admin<unknown[]>('POST', '/faults', rules);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The audit events since `since` (epoch ms), oldest first. */
async function eventsSince(since: number): Promise<Event[]> {
  const events: Event[] = [];
  let after = '';
  for (;;) {
    const r = await meterd.admin<{ events: Event[]; nextToken?: string }>(
      'GET',
      `/events?limit=1000&startTime=${Math.floor(since / 1000)}${after}`,
    );
    events.push(...r.body.events);
    if (!r.body.nextToken) return events;
    after = `&after=${r.body.nextToken}`;
  }
}

/** The audit events of calls whose user agent carries `marker`, oldest first. */
async function eventsOf(marker: string, since: number): Promise<Event[]> {
  return (await eventsSince(since)).filter((e) => e.userAgent.includes(marker));
}

/** An SDK client with its default (standard) retry strategy, marked in its user agent. */
function standardClient(marker: string) {
  return new MarketplaceMeteringClient({
    endpoint: meterd.url,
    region: 'us-east-1',
    credentials: KEYS.acme,
    customUserAgent: marker,
  });
}

const batch = (records: UsageRecord[]) =>
  new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: records });
const one = (minutes: number): UsageRecord[] => [
  {
    Timestamp: minutesAgo(minutes),
    CustomerAWSAccountId: GLOBEX,
    Dimension: 'requests',
    Quantity: 1,
  },
];

describe('the JavaScript SDK with its standard retry strategy', () => {
  for (const code of ['ThrottlingException', 'InternalServiceErrorException']) {
    it(`retries an injected ${code} twice, then succeeds`, async () => {
      const marker = `retry-${code}`;
      const since = Date.now();
      await setRules([
        { id: `twice-${code}`, operation: 'BatchMeterUsage', error: { code }, times: 2 },
      ]);
      const client = standardClient(marker);
      try {
        const out = await client.send(batch(one(10)));
        assert.equal(out.Results?.[0]?.Status, 'Success');
        assert.equal(out.$metadata.attempts, 3);
      } finally {
        client.destroy();
      }
      const events = await eventsOf(marker, since);
      assert.equal(events.length, 3, 'three attempts in the audit trail');
      for (const e of events.slice(0, 2)) {
        assert.equal(e.errorCode, code);
        assert.deepEqual(e.additionalEventData?.injectedFault, {
          rule: `twice-${code}`,
          effect: 'error',
        });
      }
      assert.equal(events[2]!.errorCode, undefined);
      assert.equal(events[2]!.additionalEventData, undefined, 'the real call is not marked');
    });
  }
});

describe('unprocessedShare', () => {
  it('hands back exactly the records it does not store, and a resend stores them once', async () => {
    await setRules([
      { id: 'quarter', operation: 'BatchMeterUsage', unprocessedShare: 0.25, seed: 3 },
    ]);
    const since = Date.now();
    const hour = Math.floor(Date.now() / 3600_000) * 3600_000 - 2 * 3600_000;
    const records: UsageRecord[] = CUSTOMERS.flatMap((c) =>
      ['requests', 'storage_gb'].map((Dimension) => ({
        Timestamp: new Date(hour + 60_000),
        CustomerAWSAccountId: c,
        Dimension,
        Quantity: 3,
      })),
    ).slice(0, 20);
    const key = (r: { CustomerAWSAccountId?: string; Dimension?: string }) =>
      `${r.CustomerAWSAccountId}|${r.Dimension}`;
    const client = meterd.client(KEYS.acme);
    const out = await client.send(batch(records));
    const back = out.UnprocessedRecords ?? [];
    assert.equal(back.length, 5, 'a quarter of 20 records');
    assert.equal(out.Results?.length, 15);
    assert.ok(out.Results!.every((r) => r.Status === 'Success'));
    const answered = new Set(out.Results!.map((r) => key(r.UsageRecord!)));
    for (const r of back) assert.ok(!answered.has(key(r)), 'a record is answered once');

    const stored = async () => {
      const r = await meterd.admin<{
        records: Array<{ customerAWSAccountId: string; dimension: string; usageTime: string }>;
      }>(
        'GET',
        `/usage?productCode=acme-saas&limit=1000&startTime=${hour / 1000}&endTime=${hour / 1000 + 3599}`,
      );
      return r.body.records
        .filter((x) => CUSTOMERS.includes(x.customerAWSAccountId))
        .map((x) => `${x.customerAWSAccountId}|${x.dimension}`);
    };
    const before = await stored();
    assert.deepEqual(new Set(before), answered, 'the store holds exactly the processed records');

    await setRules([]);
    const resent = await client.send(batch(back));
    assert.equal(resent.UnprocessedRecords?.length, 0);
    assert.ok(resent.Results!.every((r) => r.Status === 'Success'));
    const afterResend = await stored();
    assert.equal(afterResend.length, 20, 'every record stored, each once');
    assert.equal(new Set(afterResend).size, 20);

    const [event] = (await eventsSince(since)).filter(
      (e) => e.requestID === out.$metadata.requestId,
    ) as Array<Event & { responseElements: { unprocessedRecords: unknown[] } }>;
    assert.equal(
      event?.responseElements.unprocessedRecords.length,
      5,
      'the event holds the answer sent',
    );
    assert.equal(event?.additionalEventData?.injectedFault?.effect, 'unprocessed');
  });
});

describe('a seeded rule', () => {
  it('gives the same fault sequence twice over 1,000 calls', async () => {
    const client = meterd.client(KEYS.acme);
    const run = async (seed: number, calls = 1000) => {
      await setRules([{ operation: 'BatchMeterUsage', probability: 0.3, seed }]);
      const outcomes: string[] = [];
      for (let i = 0; i < calls; i++)
        outcomes.push(
          await client.send(batch(one(20))).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      return outcomes;
    };
    const first = await run(42);
    const second = await run(42);
    assert.deepEqual(second, first);
    const faults = first.filter((o) => o === 'ServiceUnavailable').length;
    assert.ok(faults > 230 && faults < 370, `about 30% faults, got ${faults}`);
    assert.equal(first.filter((o) => o !== 'ok' && o !== 'ServiceUnavailable').length, 0);
    assert.notDeepEqual(await run(43, 100), first.slice(0, 100), 'another seed, another sequence');
    await setRules([]);
  });
});

describe('other effects', () => {
  it('drops the connection without an answer, audited as injected', async () => {
    const since = Date.now();
    await setRules([{ id: 'drop', operation: 'BatchMeterUsage', dropConnection: true, times: 1 }]);
    const client = meterd.client(KEYS.acme);
    await assert.rejects(
      client.send(batch(one(30))),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(e.$metadata?.httpStatusCode, undefined, `no HTTP answer, got ${e.name}`);
        return true;
      },
    );
    const dropped = (await eventsSince(since)).filter(
      (e) => e.additionalEventData?.injectedFault?.rule === 'drop',
    );
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]!.errorCode, 'ConnectionDropped');
    assert.equal(dropped[0]!.additionalEventData?.injectedFault?.effect, 'dropConnection');
    // The rule is spent: the next call is answered.
    assert.equal((await client.send(batch(one(30)))).Results?.[0]?.Status, 'Success');
  });

  it('delays a call by latencyMs, then serves it', async () => {
    await setRules([{ id: 'slow', accountId: '111111111111', latencyMs: 300 }]);
    const client = meterd.client(KEYS.acme);
    const started = Date.now();
    const out = await client.send(batch(one(31)));
    assert.ok(Date.now() - started >= 300);
    assert.equal(out.Results?.[0]?.Status, 'Success');
    await setRules([]);
  });

  it('matches on the access key and the product', async () => {
    await setRules([
      { productCode: 'acme-saas-2', error: { code: 'ThrottlingException' } },
      {
        accessKeyId: KEYS.initech.accessKeyId,
        error: { code: 'DisabledApiException', statusCode: 400 },
      },
    ]);
    const acme = meterd.client(KEYS.acme);
    assert.equal((await acme.send(batch(one(32)))).Results?.[0]?.Status, 'Success');
    await assert.rejects(
      acme.send(new BatchMeterUsageCommand({ ProductCode: 'acme-saas-2', UsageRecords: [] })),
      { name: 'ThrottlingException' },
    );
    await assert.rejects(
      meterd
        .client(KEYS.initech)
        .send(new BatchMeterUsageCommand({ ProductCode: 'initech-saas', UsageRecords: [] })),
      { name: 'DisabledApiException' },
    );
    await setRules([]);
  });

  it('counts injected faults in the metrics', async () => {
    const text = await (await fetch(`${meterd.url}/metrics`)).text();
    assert.match(
      text,
      /meterd_faults_injected_total\{rule="twice-ThrottlingException",effect="error"\} 2/,
    );
    assert.match(text, /meterd_faults_injected_total\{rule="drop",effect="dropConnection"\} 1/);
    assert.match(text, /meterd_faults_injected_total\{rule="quarter",effect="unprocessed"\} 1/);
  });
});

describe("LocalStack's Chaos API", () => {
  const chaos = async (method: string, body?: string) => {
    const r = await fetch(`${meterd.url}/_localstack/chaos/faults`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
    return { status: r.status, body: (await r.json()) as unknown };
  };

  it('replaces, appends, lists and deletes with the documented bodies', async () => {
    // The bodies as LocalStack's documentation gives them.
    const replaced = await chaos(
      'POST',
      `[
        { "service": "s3", "region": "us-east-1" },
        { "service": "s3", "region": "ap-south-1" },
        { "service": "lambda" }
      ]`,
    );
    assert.equal(replaced.status, 200);
    assert.equal((replaced.body as unknown[]).length, 3);
    const kinesis = {
      service: 'kinesis',
      operation: 'PutRecord',
      probability: 0.3,
      error: { statusCode: 400, code: 'ProvisionedThroughputExceededException' },
    };
    const appended = await chaos('PATCH', JSON.stringify([kinesis]));
    assert.deepEqual((appended.body as unknown[])[3], kinesis);
    const deleted = await chaos('DELETE', '[{"service": "lambda"}]');
    assert.deepEqual(deleted.body, [
      { service: 's3', region: 'us-east-1' },
      { service: 's3', region: 'ap-south-1' },
      kinesis,
    ]);
    assert.deepEqual((await chaos('GET')).body, deleted.body);
    // Rules for other services match no metering call.
    const client = meterd.client(KEYS.acme);
    assert.equal((await client.send(batch(one(33)))).Results?.[0]?.Status, 'Success');
    assert.deepEqual((await chaos('POST', '[]')).body, []);
  });

  it("faults metering calls with LocalStack's defaults, and [{}] faults every call", async () => {
    const client = meterd.client(KEYS.acme);
    await chaos('POST', '[{"service": "meteringmarketplace", "region": "us-east-1"}]');
    await assert.rejects(
      client.send(batch(one(34))),
      (e: Error & { $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'ServiceUnavailable');
        assert.equal(e.$metadata.httpStatusCode, 503);
        return true;
      },
    );
    await chaos('POST', '[{"region": "eu-west-1"}]');
    assert.equal((await client.send(batch(one(34)))).Results?.[0]?.Status, 'Success');
    await chaos('POST', '[{}]');
    await assert.rejects(client.send(batch(one(34))), { name: 'ServiceUnavailable' });
    await chaos('POST', '[]');
  });

  it('is the same set as /admin/v1/faults, which needs the admin token', async () => {
    await chaos('POST', '[{"operation": "MeterUsage"}]');
    assert.deepEqual((await meterd.admin('GET', '/faults')).body, [{ operation: 'MeterUsage' }]);
    const anonymous = await fetch(`${meterd.url}/admin/v1/faults`);
    assert.equal(anonymous.status, 401);
    await meterd.admin('POST', '/faults', []);
  });

  it('refuses a rule it cannot apply, in the admin error shape', async () => {
    for (const body of [
      '{"service": "s3"}',
      '[{"probability": 2}]',
      '[{"error": {"statusCode": 200}}]',
      '[{"operation": "MeterUsage", "unprocessedShare": 0.5}]',
      '[{"dropConnection": true, "error": {"code": "X"}}]',
      '[{"servcie": "s3"}]',
    ]) {
      const r = await chaos('POST', body);
      assert.equal(r.status, 400, body);
      assert.equal((r.body as { error: { code: string } }).error.code, 'InvalidFaultRule', body);
    }
    const r = await fetch(`${meterd.url}/admin/v1/faults/nope`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(r.status, 404);
  });
});

describe("the README's snippet", () => {
  it('throttles two calls, then hands back a quarter of each batch', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Fault injection and quotas'));
    const rules = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!) as unknown[];
    await setRules(rules);
    const client = meterd.client(KEYS.acme);
    for (let i = 0; i < 2; i++)
      await assert.rejects(client.send(batch(one(50))), { name: 'ThrottlingException' });
    const hour = Math.floor(Date.now() / 3600_000) * 3600_000 - 3 * 3600_000;
    const records = CUSTOMERS.slice(0, 4).map((c) => ({
      Timestamp: new Date(hour + 60_000),
      CustomerAWSAccountId: c,
      Dimension: 'requests',
      Quantity: 1,
    }));
    const out = await client.send(batch(records));
    assert.equal(out.UnprocessedRecords?.length, 1);
    assert.equal(out.Results?.length, 3);
    await setRules([]);
  });
});

describe(
  'two instances on one PostgreSQL database',
  { skip: BACKEND !== 'postgres' && 'runs on the PostgreSQL backend only' },
  () => {
    it('a rule set on one instance applies on the other within the refresh interval', async () => {
      const other = await meterd.another();
      try {
        const client = other.client(KEYS.acme);
        assert.equal((await client.send(batch(one(40)))).Results?.[0]?.Status, 'Success');
        const changed = Date.now();
        await setRules([
          { id: 'shared', operation: 'BatchMeterUsage', error: { code: 'ThrottlingException' } },
        ]);
        let seenAfter: number | undefined;
        while (Date.now() - changed < 3000) {
          const failed = await client.send(batch(one(40))).then(
            () => false,
            (e: Error) => e.name === 'ThrottlingException',
          );
          if (failed) {
            seenAfter = Date.now() - changed;
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok(seenAfter !== undefined && seenAfter <= 1500, `applied after ${seenAfter} ms`);
        await setRules([]);
      } finally {
        await other.stop();
      }
    });
  },
);
