/**
 * @module `/metrics` of a real meterd after real SDK calls, parsed as Prometheus text: names and
 * types by Prometheus's conventions, prom-client's process and Node.js metrics under their usual
 * names, the build, the billed quantity counted once per stored record, records by status, and
 * label sets that hold no customer, request or access key.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  MeterUsageCommand,
  type MarketplaceMeteringClient,
} from '@aws-sdk/client-marketplace-metering';
import { KEYS, minutesAgo, startMeterd, type Meterd } from './helpers/meterd.js';
import { rejectsWith } from './helpers/sdk.js';

interface Sample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
}
interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => Family[];

const GLOBEX = '222222222222';
const HOOLI = '444444444444'; // suspended on acme-saas
const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

let meterd: Meterd;
let families: Map<string, Family>;
let text: string;

/** The value of `name`'s series with exactly `labels`, or undefined. */
const value = (name: string, labels: Record<string, string>) => {
  const series = families
    .get(name)
    ?.metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels));
  return series?.value === undefined ? undefined : Number(series.value);
};

before(async () => {
  meterd = await startMeterd();
  const acme: MarketplaceMeteringClient = meterd.client(KEYS.acme);
  const globex: MarketplaceMeteringClient = meterd.client(KEYS.globex);
  const at = minutesAgo(10);
  const batch = new BatchMeterUsageCommand({
    ProductCode: 'acme-saas',
    UsageRecords: [
      { Timestamp: at, CustomerAWSAccountId: GLOBEX, Dimension: 'requests', Quantity: 10 },
      { Timestamp: at, CustomerAWSAccountId: GLOBEX, Dimension: 'storage_gb', Quantity: 3 },
      { Timestamp: at, CustomerAWSAccountId: HOOLI, Dimension: 'requests', Quantity: 7 },
    ],
  });
  const first = await acme.send(batch);
  assert.deepEqual(
    first.Results?.map((r) => r.Status),
    ['Success', 'Success', 'CustomerNotSubscribed'],
  );
  // The same records again, as a client retrying: answered Success, not billed again.
  const again = await acme.send(batch);
  assert.deepEqual(
    again.Results?.map((r) => r.MeteringRecordId),
    first.Results?.map((r) => r.MeteringRecordId),
  );
  await globex.send(
    new MeterUsageCommand({
      ProductCode: 'acme-ami',
      Timestamp: at,
      UsageDimension: 'hours',
      UsageQuantity: 4,
    }),
  );
  await rejectsWith(
    globex.send(
      new MeterUsageCommand({
        ProductCode: 'acme-ami',
        Timestamp: at,
        UsageDimension: 'no-such-dimension',
        UsageQuantity: 1,
      }),
    ),
    'InvalidUsageDimensionException',
  );
  const response = await fetch(`${meterd.url}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  text = await response.text();
  families = new Map(parsePrometheus(text).map((f) => [f.name, f]));
});
after(() => meterd.stop());

describe('/metrics', () => {
  it("has prom-client's process and Node.js metrics under their usual, unprefixed names", () => {
    for (const [name, type] of [
      ['process_cpu_seconds_total', 'COUNTER'],
      ['process_resident_memory_bytes', 'GAUGE'],
      ['process_start_time_seconds', 'GAUGE'],
      ['nodejs_heap_size_used_bytes', 'GAUGE'],
      ['nodejs_eventloop_lag_seconds', 'GAUGE'],
      ['nodejs_gc_duration_seconds', 'HISTOGRAM'],
      ['nodejs_version_info', 'GAUGE'],
    ] as const)
      assert.equal(families.get(name)?.type, type, `${name} is a ${type}`);
    const renamed = [...families.keys()].filter((n) => /^meterd_(process|nodejs)_/.test(n));
    assert.deepEqual(renamed, []);
  });

  it("names meterd's own by the conventions: counters end in _total, gauges never do", () => {
    const own = [...families.values()].filter((f) => f.name.startsWith('meterd_'));
    assert.ok(own.length >= 10, own.map((f) => f.name).join(', '));
    for (const family of own) {
      assert.ok(family.help.length > 0, `${family.name} has help`);
      if (family.type === 'COUNTER') assert.match(family.name, /_total$/);
      else assert.doesNotMatch(family.name, /_total$/, `${family.name} is a ${family.type}`);
    }
    assert.equal(families.get('meterd_store_unavailable')?.type, 'GAUGE');
    assert.equal(families.get('meterd_store_unavailable_episodes_total')?.type, 'COUNTER');
    assert.equal(families.get('meterd_request_duration_seconds')?.type, 'HISTOGRAM');
  });

  it('has meterd_build_info 1 with the version', () => {
    const info = families.get('meterd_build_info');
    assert.equal(info?.type, 'GAUGE');
    assert.equal(info.metrics.length, 1);
    assert.deepEqual(info.metrics[0]!.labels, {
      version: VERSION,
      nodejs_version: process.version,
    });
    assert.equal(Number(info.metrics[0]!.value), 1);
  });

  it('counts the billed quantity by product and dimension, a repeated record once', () => {
    assert.equal(families.get('meterd_usage_quantity_total')?.type, 'COUNTER');
    const quantity = (product_code: string, dimension: string) =>
      value('meterd_usage_quantity_total', { product_code, dimension });
    assert.equal(quantity('acme-saas', 'requests'), 10, 'the not-subscribed record is not billed');
    assert.equal(quantity('acme-saas', 'storage_gb'), 3);
    assert.equal(quantity('acme-ami', 'hours'), 4);
    assert.equal(families.get('meterd_usage_quantity_total')!.metrics.length, 3);
  });

  it('counts records by operation and status, each answer', () => {
    const records = (operation: string, status: string) =>
      value('meterd_usage_records_total', { operation, status });
    assert.equal(records('BatchMeterUsage', 'Success'), 4);
    assert.equal(records('BatchMeterUsage', 'CustomerNotSubscribed'), 2);
    assert.equal(records('MeterUsage', 'Success'), 1);
    assert.equal(
      value('meterd_requests_total', {
        operation: 'MeterUsage',
        outcome: 'InvalidUsageDimensionException',
      }),
      1,
    );
    assert.equal(
      value('meterd_requests_total', { operation: 'BatchMeterUsage', outcome: 'Success' }),
      2,
    );
  });

  it('keeps label sets bounded: no customer, request id or access key in any label', () => {
    const allowed = new Set([
      'operation',
      'outcome',
      'status',
      'product_code',
      'dimension',
      'version',
      'nodejs_version',
    ]);
    for (const family of families.values()) {
      if (!family.name.startsWith('meterd_')) continue;
      for (const sample of family.metrics)
        for (const label of Object.keys(sample.labels ?? {}))
          assert.ok(allowed.has(label), `${family.name} has label ${label}`);
    }
    for (const secretish of [GLOBEX, HOOLI, KEYS.acme.accessKeyId, KEYS.globex.accessKeyId])
      assert.equal(text.includes(secretish), false, `${secretish} appears in /metrics`);
    assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });
});
