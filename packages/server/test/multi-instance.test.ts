/**
 * @module Several meterd instances on one PostgreSQL database: the same and overlapping records
 * sprayed at all of them at once are stored once, every answer agrees on the MeteringRecordId,
 * and the audit trail holds every call.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  MeterUsageCommand,
  type BatchMeterUsageCommandOutput,
} from '@aws-sdk/client-marketplace-metering';
import { BACKEND, KEYS, startMeterd, type Meterd } from './helpers/meterd.js';

const INSTANCES = 3;
const ROUNDS = 12;
const CUSTOMERS = ['222222222222', '700000000001', '700000000002', '700000000003'];

describe(
  'several instances on one PostgreSQL database',
  { skip: BACKEND !== 'postgres' && 'runs on the PostgreSQL backend only' },
  () => {
    const instances: Meterd[] = [];

    before(async () => {
      // Start one first so that it migrates alone, then the others together (they must agree).
      const first = await startMeterd();
      instances.push(first);
      instances.push(
        ...(await Promise.all(Array.from({ length: INSTANCES - 1 }, () => first.another()))),
      );
      for (const customer of CUSTOMERS.slice(1)) {
        const r = await instances[0]!.admin('POST', '/agreements', {
          productCode: 'acme-saas',
          customerAWSAccountId: customer,
          startedAt: '2020-01-01T00:00:00Z',
        });
        assert.equal(r.status, 201);
      }
    });
    after(async () => {
      await Promise.all(instances.map((m) => m.stop()));
    });

    it('stores each record once and every instance answers with the same MeteringRecordId', async () => {
      const hour = Math.floor(Date.now() / 3600_000) * 3600_000;
      const clients = instances.map((m) => m.client(KEYS.acme));
      const calls: Array<Promise<BatchMeterUsageCommandOutput>> = [];
      const sent = new Set<string>();
      for (let round = 0; round < ROUNDS; round++) {
        // Overlapping batches: each round repeats half of the previous round's slots.
        const records = Array.from({ length: 10 }, (_, i) => {
          const slot = round * 5 + i;
          const customer = CUSTOMERS[slot % CUSTOMERS.length]!;
          const h = hour - 3600_000 * (1 + (Math.floor(slot / CUSTOMERS.length) % 5));
          const dimension = slot % 2 === 0 ? 'requests' : 'storage_gb';
          sent.add(`${customer}|${dimension}|${h}`);
          return {
            Timestamp: new Date(h + 60_000),
            CustomerAWSAccountId: customer,
            Dimension: dimension,
            Quantity: 1,
          };
        });
        for (const client of clients)
          calls.push(
            client.send(
              new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: records }),
            ),
          );
      }
      const answers = await Promise.all(calls).catch((error: unknown) => {
        for (const m of instances)
          console.log(
            m
              .output()
              .split('\n')
              .filter((l) => l.includes('"level":50'))
              .join('\n'),
          );
        throw error;
      });

      // A database slowed by a loaded machine may time out, and the call then hands its records
      // back in UnprocessedRecords, as AWS may: a seller sends them again, and so does this test.
      // Every answer, first or resent, must still agree on one MeteringRecordId per record.
      let handedBack = 0;
      const resent: BatchMeterUsageCommandOutput[] = [];
      for (const [i, answer] of answers.entries()) {
        let pending = answer.UnprocessedRecords ?? [];
        for (let attempt = 0; pending.length > 0 && attempt < 5; attempt++) {
          handedBack += pending.length;
          const again = await clients[i % clients.length]!.send(
            new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: pending }),
          );
          resent.push(again);
          pending = again.UnprocessedRecords ?? [];
        }
        assert.deepEqual(pending, [], 'records handed back are stored when sent again');
      }
      if (handedBack > 0)
        for (const m of instances)
          console.log(
            m
              .output()
              .split('\n')
              .filter((l) => /"level":(40|50)/.test(l))
              .join('\n'),
          );
      const idOf = new Map<string, string>();
      for (const answer of [...answers, ...resent]) {
        for (const r of answer.Results!) {
          assert.equal(r.Status, 'Success');
          const u = r.UsageRecord!;
          const key = `${u.CustomerAWSAccountId}|${u.Dimension}|${u.Timestamp!.getTime() - 60_000}`;
          const prior = idOf.get(key);
          if (prior) assert.equal(r.MeteringRecordId, prior, `all answers agree for ${key}`);
          else idOf.set(key, r.MeteringRecordId!);
        }
      }
      assert.equal(idOf.size, sent.size);

      const stored: Array<{ meteringRecordId: string }> = [];
      let after = '';
      for (;;) {
        const page = await instances[1]!.admin<{
          records: Array<{ meteringRecordId: string }>;
          nextToken?: string;
        }>('GET', `/usage?productCode=acme-saas&limit=1000${after ? `&after=${after}` : ''}`);
        stored.push(...page.body.records);
        if (!page.body.nextToken || page.body.records.length < 1000) break;
        after = page.body.nextToken;
      }
      const storedIds = new Set(stored.map((r) => r.meteringRecordId));
      assert.equal(stored.length, storedIds.size, 'no record stored twice');
      assert.deepEqual(
        [...idOf.values()].sort(),
        [...storedIds].sort(),
        'exactly the answered records are stored',
      );

      const events = await instances[2]!.admin<{ events: Array<{ requestID: string }> }>(
        'GET',
        '/events?eventName=BatchMeterUsage&limit=1000',
      );
      const audited = new Set(events.body.events.map((e) => e.requestID));
      for (const answer of [...answers, ...resent])
        assert.ok(audited.has(answer.$metadata.requestId!), 'every call is audited');
      console.log(
        `multi-instance: ${INSTANCES} instances, ${answers.length} calls (${handedBack} records handed back and sent again), ${idOf.size} records stored once`,
      );
    });

    it('deduplicates a continuous MeterUsage ClientToken sent to every instance at once', async () => {
      const input = {
        ProductCode: 'acme-agent',
        Timestamp: new Date(Date.now() - 60_000),
        UsageDimension: 'invocations',
        UsageQuantity: 3,
        ClientToken: `token-${Date.now()}`,
      };
      const answers = await Promise.all(
        instances.map((m) => m.client(KEYS.globex).send(new MeterUsageCommand(input))),
      );
      assert.equal(new Set(answers.map((a) => a.MeteringRecordId)).size, 1);
    });
  },
);
