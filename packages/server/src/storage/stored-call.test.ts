/**
 * @module A call stored in the compact form (audit/call.ts) renders the event `buildEvent` builds for it, byte
 * for byte, through a real SQLite store; calls the form cannot hold are stored as built events.
 */

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callMeta, callToStore, renderCall, requestOf, type CallFacts } from '../audit/call.js';
import { buildEvent, type AuditEvent } from '../audit/event.js';
import { redactRequest } from '../audit/redact.js';
import { serializeCborOutput } from '../protocol/rpc-v2-cbor.js';
import type { Protocol } from '../protocol/services.js';
import { SqliteStore } from './sqlite/store.js';

const now = new Date('2026-11-23T05:00:07.250Z');
const ctx = {
  requestId: 'request-1',
  principal: {
    accountId: '111111111111',
    accessKeyId: 'AKIATEST',
    temporary: false,
    resourceRegion: 'us-east-1',
  },
  region: 'us-east-1',
  sourceIp: '127.0.0.1',
  userAgent: 'aws-sdk-js/3 test',
  now,
};
const at = (minute: number) => Date.UTC(2026, 10, 23, 4, minute) / 1000;
const batchBody = JSON.stringify({
  ProductCode: 'acme-saas',
  UsageRecords: [
    { Timestamp: at(1), CustomerIdentifier: 'cust-1', Dimension: 'users', Quantity: 3 },
    {
      Timestamp: at(2),
      CustomerAWSAccountId: '222222222222',
      Dimension: 'users',
      Quantity: 4,
      UsageAllocations: [{ AllocatedUsageQuantity: 4, Tags: [{ Key: 'team', Value: 'red' }] }],
    },
    { Timestamp: at(3), CustomerIdentifier: 'cust-3', Dimension: 'gb' },
    { Timestamp: at(4), CustomerIdentifier: 'cust-4', Dimension: 'gb', Quantity: 0 },
  ],
});

interface Case {
  name: string;
  operation: string;
  body: Buffer;
  protocol?: Protocol;
  ctx?: CallFacts['ctx'];
  /** What the operation made of the validated request, if it changed it. */
  request?: (parsed: unknown) => unknown;
  outcome: (parsed: unknown) => CallFacts['outcome'];
  note?: Record<string, unknown>;
  /** Whether the compact form holds it. */
  compact: boolean;
}

type Batch = { UsageRecords: unknown[] };
const records = (parsed: unknown) => (parsed as Batch).UsageRecords;

const CASES: Case[] = [
  {
    name: 'BatchMeterUsage: stored, not subscribed, duplicate, handed back',
    operation: 'BatchMeterUsage',
    body: Buffer.from(batchBody),
    outcome: (p) => ({
      response: {
        Results: [
          { UsageRecord: records(p)[0], MeteringRecordId: 'id-1', Status: 'Success' },
          { UsageRecord: records(p)[1], Status: 'CustomerNotSubscribed' },
          { UsageRecord: records(p)[3], MeteringRecordId: 'id-0', Status: 'DuplicateRecord' },
        ],
        UnprocessedRecords: [records(p)[2]],
      },
    }),
    note: { injectedFault: { rule: 'r1', effect: 'unprocessed' } },
    compact: true,
  },
  {
    name: 'BatchMeterUsage refused in validation: the parsed body',
    operation: 'BatchMeterUsage',
    body: Buffer.from(JSON.stringify({ UsageRecords: [{ Dimension: 7 }], Extra: [1, null] })),
    outcome: () => ({
      error: { name: 'ValidationException', message: 'ProductCode is required.' },
    }),
    compact: true,
  },
  {
    name: 'a body that is not JSON: no request',
    operation: 'BatchMeterUsage',
    body: Buffer.from('{"ProductCode": "acme'),
    outcome: () => ({ error: { name: 'SerializationException', message: 'Malformed JSON.' } }),
    compact: true,
  },
  {
    name: 'an empty body',
    operation: 'MeterUsage',
    body: Buffer.alloc(0),
    outcome: () => ({
      error: { name: 'ValidationException', message: 'ProductCode is required.' },
    }),
    compact: true,
  },
  {
    name: 'MeterUsage with the ClientToken it was given, under a controlled clock',
    operation: 'MeterUsage',
    body: Buffer.from(
      JSON.stringify({
        ProductCode: 'acme-ami',
        Timestamp: at(5),
        UsageDimension: 'hosts',
        UsageQuantity: 2,
      }),
    ),
    ctx: { ...ctx, realTime: new Date('2026-11-24T00:00:00.999Z') },
    request: (p) => ({ ...(p as object), ClientToken: 'generated-token' }),
    outcome: () => ({ response: { MeteringRecordId: 'id-2' } }),
    compact: true,
  },
  {
    name: 'MeterUsage of temporary credentials, throttled',
    operation: 'MeterUsage',
    body: Buffer.from(
      JSON.stringify({ ProductCode: 'acme-ami', Timestamp: at(6), UsageDimension: 'hosts' }),
    ),
    ctx: { ...ctx, principal: { ...ctx.principal, temporary: true, accessKeyId: 'ASIATEMP' } },
    outcome: () => ({ error: { name: 'ThrottlingException', message: 'Rate exceeded' } }),
    note: { throttled: true },
    compact: true,
  },
  {
    name: 'GetEntitlements in CBOR, refused',
    operation: 'GetEntitlements',
    protocol: 'smithy-rpc-v2-cbor',
    body: serializeCborOutput({ ProductCode: 'acme-saas', Filter: { CUSTOMER_IDENTIFIER: ['c'] } }),
    outcome: () => ({ error: { name: 'ThrottlingException', message: 'Rate exceeded' } }),
    note: { protocol: 'smithy-rpc-v2-cbor' },
    compact: true,
  },
  {
    name: 'GetEntitlements answered with times: stored as its event',
    operation: 'GetEntitlements',
    body: Buffer.from(JSON.stringify({ ProductCode: 'acme-saas' })),
    outcome: () => ({
      response: {
        Entitlements: [
          { ProductCode: 'acme-saas', Dimension: 'users', ExpirationDate: new Date(at(9) * 1000) },
        ],
      },
    }),
    note: { protocol: 'json' },
    compact: false,
  },
  {
    name: 'ResolveCustomer: its token is masked, so stored as its event',
    operation: 'ResolveCustomer',
    body: Buffer.from(JSON.stringify({ RegistrationToken: 'secret-token' })),
    outcome: () => ({
      response: {
        CustomerIdentifier: 'cust-1',
        CustomerAWSAccountId: '222222222222',
        ProductCode: 'acme-saas',
      },
    }),
    compact: false,
  },
  {
    name: 'a request changed other than by text members: stored as its event',
    operation: 'MeterUsage',
    body: Buffer.from(JSON.stringify({ ProductCode: 'acme-ami', Timestamp: at(7) })),
    request: (p) => ({ ...(p as object), UsageQuantity: 5 }),
    outcome: () => ({ response: { MeteringRecordId: 'id-3' } }),
    compact: false,
  },
];

/** The facts of a case, as the dispatcher has them. */
function facts(c: Case): CallFacts {
  const protocol = c.protocol ?? 'json';
  const parsed = requestOf(c.operation, c.body, protocol);
  return {
    ctx: c.ctx ?? ctx,
    operation: c.operation,
    body: c.body,
    protocol,
    parsed,
    request: c.request ? c.request(parsed) : parsed,
    outcome: c.outcome(parsed),
    note: c.note,
  };
}

/** The event the call's answer built, with the stored event's id. */
function expected(f: CallFacts, eventID: string): AuditEvent {
  const request = redactRequest(f.operation, f.request);
  return buildEvent(f.ctx, f.operation, request, f.outcome, f.note, eventID);
}

describe('a call stored in the compact form', () => {
  for (const c of CASES)
    it(`renders the event built for it: ${c.name}`, () => {
      const f = facts(c);
      const stored = callToStore(f);
      assert.equal('kind' in stored, c.compact);
      if (!('kind' in stored)) {
        assert.equal(JSON.stringify(stored), JSON.stringify(expected(f, stored.eventID)));
        return;
      }
      const meta = callMeta(stored.meta)!;
      const rendered = renderCall({ ...stored, meta });
      assert.equal(JSON.stringify(rendered), JSON.stringify(expected(f, stored.eventID)));
      assert.equal(stored.eventTime, Date.parse(rendered.eventTime));
      assert.equal(stored.errorCode, rendered.errorCode);
    });

  it('keeps a BatchMeterUsage call in a third of its event', () => {
    const f = facts(CASES[0]!);
    const stored = callToStore(f);
    assert.ok('kind' in stored);
    const event = JSON.stringify(expected(f, stored.eventID));
    const kept = stored.meta.length + stored.body.length;
    assert.ok(kept * 2 < event.length, `${kept} bytes kept for an event of ${event.length}`);
  });

  describe('through a SQLite store on a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meterd-call-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads every case back as the event built for it, across a restart', async () => {
      const built: string[] = [];
      let store = new SqliteStore({ dataDir: dir });
      try {
        for (const c of CASES) {
          const f = facts(c);
          const stored = callToStore(f);
          await store.appendEvent(stored);
          built.push(JSON.stringify(expected(f, stored.eventID)));
        }
      } finally {
        await store.close();
      }
      store = new SqliteStore({ dataDir: dir });
      try {
        const events = await store.listEvents({ limit: 100 });
        assert.deepEqual(
          events.map((e) => JSON.stringify(e.event)),
          built,
        );
      } finally {
        await store.close();
      }
    });
  });
});
