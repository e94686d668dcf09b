/**
 * @module The kill -9 test, as production crashes: concurrent writers of all four operations
 * call through the official SDK, meterd's whole process group is SIGKILLed mid-flight and a new
 * meterd starts on the same data at once (as a supervisor restarts it, before the dead one is
 * gone), outside a PID namespace and as PID 1 of one (a container). After every restart each
 * acknowledged record and audit event must be there exactly once, and resending an
 * acknowledged record must deduplicate.
 */

import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  MeterUsageCommand,
  RegisterUsageCommand,
  ResolveCustomerCommand,
  type MarketplaceMeteringClient,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering';
import { KEYS, pidNamespaces, startMeterd, type Meterd } from './helpers/meterd.js';

const KILLS = 10;
const BATCH_WRITERS = 8;
const METER_USAGE_WRITERS = 3;
const HOURLY_WRITERS = 2;
const REGISTER_WRITERS = 2;
const RESOLVE_WRITERS = 2;
const RECORDS_PER_BATCH = 25;
const DIMENSIONS = Array.from({ length: 50 }, (_, i) => `d${i}`);
const HOURS = 5;
const CUSTOMERS = Array.from({ length: 400 }, (_, i) => String(500_000_000_000 + i));
const PRODUCT = 'crash-saas';
const AGENT = 'acme-agent'; // a continuous-mode container product globex subscribes to
/** Hourly-mode products globex subscribes to, with their dimensions. */
const HOURLY: Array<[string, string]> = [
  ['acme-ami', 'hours'],
  ['acme-ami', 'vcpu'],
  ['acme-container', 'vcpu'],
];
const TOKENS = 8;

// The hours are fixed once, so that an hour turning during the test cannot make two slots meet.
const BASE_HOUR = Math.floor(Date.now() / 3600_000) * 3600_000;

/** Every batch gets usage slots (customer, dimension, hour) no other batch uses. */
let nextBatch = 0;
function nextRecords(): UsageRecord[] | undefined {
  const batch = nextBatch++;
  const perCustomer = (DIMENSIONS.length * HOURS) / RECORDS_PER_BATCH;
  const customer = CUSTOMERS[Math.floor(batch / perCustomer)];
  if (customer === undefined) return undefined;
  return Array.from({ length: RECORDS_PER_BATCH }, (_, r) => {
    const slot = (batch % perCustomer) * RECORDS_PER_BATCH + r;
    const hour = Math.floor(slot / DIMENSIONS.length);
    return {
      Timestamp: new Date(BASE_HOUR - hour * 3600_000 + (slot % 60) * 1000),
      CustomerAWSAccountId: customer,
      Dimension: DIMENSIONS[slot % DIMENSIONS.length]!,
      Quantity: randomInt(0, 1_000_000),
    };
  });
}

type Operation =
  'BatchMeterUsage' | 'MeterUsage' | 'MeterUsage (hourly)' | 'RegisterUsage' | 'ResolveCustomer';
const OPERATIONS: Operation[] = [
  'BatchMeterUsage',
  'MeterUsage',
  'MeterUsage (hourly)',
  'RegisterUsage',
  'ResolveCustomer',
];

interface Acknowledged {
  requestId: string;
  operation: Operation;
  /** What to send again to see the same record ids (calls that store usage). */
  resend?: (client: {
    seller: MarketplaceMeteringClient;
    buyer: MarketplaceMeteringClient;
    hourly: MarketplaceMeteringClient;
  }) => Promise<string[]>;
  /** An hourly record's slot (product, dimension, hour), which has one record id. */
  slot?: string;
  records: Array<{
    meteringRecordId: string;
    quantity: number;
    customer: string;
    dimension: string;
  }>;
}

interface UsageRow {
  meteringRecordId: string;
  quantity: number;
  customerAWSAccountId: string;
  dimension: string;
}

/**
 * Calls `call` until stopped. A cut connection (no HTTP status) ends the writer: that is the
 * kill. An error answered by meterd before the kill is a failure.
 */
async function writer(
  call: () => Promise<Acknowledged | undefined>,
  stopped: () => boolean,
  acks: Acknowledged[],
  failures: string[],
) {
  while (!stopped()) {
    try {
      const ack = await call();
      if (!ack) return;
      acks.push(ack);
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === undefined) return;
      if (!stopped()) failures.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  }
}

/** A seller's BatchMeterUsage of usage slots no other call uses. */
const batchCall =
  (client: MarketplaceMeteringClient, failures: string[]) =>
  async (): Promise<Acknowledged | undefined> => {
    const records = nextRecords();
    if (!records) return undefined;
    const input = { ProductCode: PRODUCT, UsageRecords: records };
    const out = await client.send(new BatchMeterUsageCommand(input));
    if (out.UnprocessedRecords?.length)
      failures.push(`unprocessed records: ${out.UnprocessedRecords.length}`);
    const results = out.Results ?? [];
    results.forEach((r, i) => {
      if (r.Status !== 'Success') failures.push(`record ${i}: ${r.Status}`);
    });
    return {
      requestId: out.$metadata.requestId!,
      operation: 'BatchMeterUsage',
      records: results
        .filter((r) => r.Status === 'Success')
        .map((r) => ({
          meteringRecordId: r.MeteringRecordId!,
          quantity: r.UsageRecord!.Quantity!,
          customer: r.UsageRecord!.CustomerAWSAccountId!,
          dimension: r.UsageRecord!.Dimension!,
        })),
      resend: async ({ seller }) =>
        ((await seller.send(new BatchMeterUsageCommand(input))).Results ?? []).map(
          (r) => `${r.Status}:${r.MeteringRecordId}`,
        ),
    };
  };

/** A buyer's MeterUsage of a continuous-mode product: every ClientToken is a new record. */
const meterUsageCall = (client: MarketplaceMeteringClient) => async (): Promise<Acknowledged> => {
  const input = {
    ProductCode: AGENT,
    Timestamp: new Date(Date.now() - 60_000),
    UsageDimension: 'invocations',
    UsageQuantity: randomInt(0, 1_000_000),
    ClientToken: randomUUID(),
  };
  const out = await client.send(new MeterUsageCommand(input));
  return {
    requestId: out.$metadata.requestId!,
    operation: 'MeterUsage',
    records: [
      {
        meteringRecordId: out.MeteringRecordId!,
        quantity: input.UsageQuantity,
        customer: '222222222222',
        dimension: 'invocations',
      },
    ],
    resend: async ({ buyer }) => [
      `Success:${(await buyer.send(new MeterUsageCommand(input))).MeteringRecordId}`,
    ],
  };
};

/**
 * A buyer's MeterUsage of an hourly product: one record per hour, dimension and access key, so
 * a slot sent again (with its one quantity) answers the record it has, across crashes too.
 */
const hourlyCall = (client: MarketplaceMeteringClient) => async (): Promise<Acknowledged> => {
  const [product, dimension] = HOURLY[randomInt(HOURLY.length)]!;
  const hour = randomInt(1, HOURS);
  const input = {
    ProductCode: product,
    Timestamp: new Date(BASE_HOUR - hour * 3600_000 + 1000),
    UsageDimension: dimension,
    UsageQuantity: hour * 10 + dimension.length,
  };
  const out = await client.send(new MeterUsageCommand(input));
  return {
    requestId: out.$metadata.requestId!,
    operation: 'MeterUsage (hourly)',
    slot: `${product}/${dimension}/${hour}`,
    records: [
      {
        meteringRecordId: out.MeteringRecordId!,
        quantity: input.UsageQuantity,
        customer: '222222222222',
        dimension,
      },
    ],
    resend: async ({ hourly }) => [
      `Success:${(await hourly.send(new MeterUsageCommand(input))).MeteringRecordId}`,
    ],
  };
};

/** A container's RegisterUsage at start-up: stores its task's registration and event. */
const registerCall = (client: MarketplaceMeteringClient) => async (): Promise<Acknowledged> => {
  const out = await client.send(
    new RegisterUsageCommand({
      ProductCode: 'acme-container',
      PublicKeyVersion: 1,
      Nonce: randomUUID(),
    }),
  );
  assert.ok(out.Signature, 'RegisterUsage answers a signature');
  return { requestId: out.$metadata.requestId!, operation: 'RegisterUsage', records: [] };
};

/** A seller's ResolveCustomer of a token minted before the crashes: stores its event. */
const resolveCall =
  (client: MarketplaceMeteringClient, tokens: Array<[string, string]>, failures: string[]) =>
  async (): Promise<Acknowledged> => {
    const [token, customer] = tokens[randomInt(tokens.length)]!;
    const out = await client.send(new ResolveCustomerCommand({ RegistrationToken: token }));
    if (out.CustomerAWSAccountId !== customer || out.ProductCode !== PRODUCT)
      failures.push(`ResolveCustomer answered ${out.CustomerAWSAccountId}/${out.ProductCode}`);
    return { requestId: out.$metadata.requestId!, operation: 'ResolveCustomer', records: [] };
  };

/** Every page of an admin list. */
async function everything<T>(
  meterd: Meterd,
  path: string,
  key: 'records' | 'events',
): Promise<T[]> {
  const all: T[] = [];
  let after: string | undefined;
  do {
    const page = await meterd.admin<Record<string, unknown> & { nextToken?: string }>(
      'GET',
      `${path}?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`,
    );
    assert.equal(page.status, 200);
    all.push(...(page.body[key] as T[]));
    after = page.body.nextToken;
  } while (after);
  return all;
}

let meterd: Meterd | undefined;
after(() => meterd?.stop());

const namespaces = pidNamespaces();
const variants = [
  { pidNamespace: false, name: 'its process group' },
  { pidNamespace: true, name: 'its PID namespace (meterd is PID 1 every time)' },
];

for (const variant of variants)
  it(
    `keeps every acknowledged record and audit event through ${KILLS} SIGKILLs of ${variant.name}, each restarted at once`,
    {
      skip:
        variant.pidNamespace &&
        !namespaces.available &&
        `no PID namespace here (${namespaces.reason}): run as root, or where unprivileged user namespaces are allowed`,
    },
    async () => {
      const started = Date.now();
      meterd = await startMeterd({ processGroup: true, pidNamespace: variant.pidNamespace });
      const setup = await meterd.admin('POST', '/catalog', {
        products: [
          {
            productCode: PRODUCT,
            sellerAccountId: '111111111111',
            type: 'saas',
            dimensions: DIMENSIONS,
          },
        ],
        agreements: CUSTOMERS.map((customerAWSAccountId) => ({
          productCode: PRODUCT,
          customerAWSAccountId,
        })),
      });
      assert.equal(setup.status, 200, JSON.stringify(setup.body));
      const tokens: Array<[string, string]> = [];
      for (const customer of CUSTOMERS.slice(0, TOKENS)) {
        const minted: { status: number; body: { registrationToken: string } } = await meterd.admin<{
          registrationToken: string;
        }>('POST', '/registration-tokens', {
          productCode: PRODUCT,
          customerAWSAccountId: customer,
        });
        assert.equal(minted.status, 201, JSON.stringify(minted.body));
        tokens.push([minted.body.registrationToken, customer]);
      }

      const acks: Acknowledged[] = [];
      const failures: string[] = [];
      const slots = new Map<string, string>();
      let checkedRecords = 0;
      let resent = 0;
      for (let kill = 1; kill <= KILLS; kill++) {
        const running: Meterd = meterd;
        let stop = false;
        const stopped = () => stop;
        const roundAcks: Acknowledged[] = [];
        const go = (count: number, call: () => () => Promise<Acknowledged | undefined>) =>
          Array.from({ length: count }, () => writer(call(), stopped, roundAcks, failures));
        const writers = [
          ...go(BATCH_WRITERS, () => batchCall(running.client(KEYS.acme), failures)),
          ...go(METER_USAGE_WRITERS, () => meterUsageCall(running.client(KEYS.globex))),
          ...go(HOURLY_WRITERS, () => hourlyCall(running.client(KEYS.globex2))),
          ...go(REGISTER_WRITERS, () => registerCall(running.client(KEYS.globex))),
          ...go(RESOLVE_WRITERS, () => resolveCall(running.client(KEYS.acme), tokens, failures)),
        ];
        // Kill at a random moment once writing is under way (a loaded machine may be slow to start).
        for (let waited = 0; roundAcks.length === 0 && waited < 15_000; waited += 20)
          await sleep(20);
        await sleep(randomInt(200, 1001));
        stop = true;
        // SIGKILL to the group and, at once, a new meterd: the dead one may still be going.
        await running.kill({ wait: false });
        const [next] = await Promise.all([running.restart(), Promise.all(writers)]);
        meterd = next;
        await running.kill(); // only waits for the old one to be gone, to read how it ended
        assert.equal(running.process.signalCode, 'SIGKILL');
        assert.deepEqual(failures, []);
        assert.ok(roundAcks.length > 0, `round ${kill} acknowledged something`);
        acks.push(...roundAcks);

        const rows = await everything<UsageRow>(meterd, '/usage', 'records');
        const byId = new Map<string, UsageRow[]>();
        for (const row of rows)
          byId.set(row.meteringRecordId, [...(byId.get(row.meteringRecordId) ?? []), row]);
        const events = await everything<{ requestID: string }>(meterd, '/events', 'events');
        const eventsByRequest = new Map<string, number>();
        for (const e of events)
          eventsByRequest.set(e.requestID, (eventsByRequest.get(e.requestID) ?? 0) + 1);

        checkedRecords = 0;
        for (const ack of acks) {
          assert.equal(
            eventsByRequest.get(ack.requestId),
            1,
            `one audit event for ${ack.operation} ${ack.requestId}`,
          );
          for (const record of ack.records) {
            const found = byId.get(record.meteringRecordId) ?? [];
            assert.equal(found.length, 1, `record ${record.meteringRecordId} stored exactly once`);
            assert.equal(found[0]!.quantity, record.quantity);
            assert.equal(found[0]!.customerAWSAccountId, record.customer);
            assert.equal(found[0]!.dimension, record.dimension);
            checkedRecords++;
          }
          if (ack.slot) {
            const id = ack.records[0]!.meteringRecordId;
            assert.equal(slots.get(ack.slot) ?? id, id, `one record for the hour ${ack.slot}`);
            slots.set(ack.slot, id);
          }
        }

        // Acknowledged records sent again deduplicate across the crash: same ids, still Success.
        const clients = {
          seller: meterd.client(KEYS.acme),
          buyer: meterd.client(KEYS.globex),
          hourly: meterd.client(KEYS.globex2),
        };
        for (const operation of OPERATIONS) {
          const some = roundAcks.filter((a) => a.operation === operation && a.resend).slice(-3);
          for (const ack of some) {
            assert.deepEqual(
              await ack.resend!(clients),
              ack.records.map((r) => `Success:${r.meteringRecordId}`),
            );
            resent++;
          }
        }
        const afterResend = await everything<UsageRow>(meterd, '/usage', 'records');
        assert.equal(afterResend.length, rows.length, 'resending stored nothing new');
      }
      const counts = OPERATIONS.map(
        (op) => `${acks.filter((a) => a.operation === op).length} ${op}`,
      ).join(', ');
      console.log(
        `crash test (${variant.name}): ${KILLS} kills, each restarted at once; ` +
          `${acks.length} acknowledged calls (${counts}); ${checkedRecords} acknowledged records ` +
          `checked present exactly once; ${resent} calls resent with the same ids; ` +
          `${Math.round((Date.now() - started) / 1000)} s`,
      );
      await meterd.stop();
      meterd = undefined;
    },
  );
