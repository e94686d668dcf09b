/**
 * @module Fault rules and AWS's quotas on GetEntitlements, end to end through the JavaScript
 * SDK's entitlement client in each protocol forced: an injected ThrottlingException reaches the
 * client as the modelled exception in AWS JSON 1.1 and in Smithy RPC v2 CBOR, the standard retry
 * strategy gets through it, rules match the entitlement service's names and not the metering
 * service's, and `--aws-quotas` holds GetEntitlements to its documented 20 calls a second.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetEntitlementsCommand,
  MarketplaceEntitlementServiceClient,
  ThrottlingException,
} from '@aws-sdk/client-marketplace-entitlement-service';
import { AwsJson1_1Protocol, AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { CATALOG, SELLER } from './helpers/entitlements-catalog.js';
import { startMeterd, type Meterd } from './helpers/meterd.js';

const PROTOCOLS = {
  json: { protocol: AwsJson1_1Protocol, recorded: 'json' },
  cbor: { protocol: AwsSmithyRpcV2CborProtocol, recorded: 'smithy-rpc-v2-cbor' },
} as const;
type Kind = keyof typeof PROTOCOLS;

interface Event {
  errorCode?: string;
  errorMessage?: string;
  userAgent: string;
  additionalEventData?: {
    protocol?: string;
    injectedFault?: { rule: string; effect: string };
    throttled?: { quota: string; ratePerSecond: number; burst: number };
  };
}

/** The entitlement client in one protocol, marked in its user agent; which protocol it sent. */
function clientOf(meterd: Meterd, kind: Kind, marker: string, maxAttempts?: number) {
  const sent: string[] = [];
  const client = new MarketplaceEntitlementServiceClient({
    endpoint: meterd.url,
    region: 'us-east-1',
    credentials: { ...SELLER },
    customUserAgent: marker,
    protocol: PROTOCOLS[kind].protocol,
    ...(maxAttempts ? { maxAttempts } : {}),
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path: string; headers: Record<string, string> };
      sent.push(`${request.path} ${request.headers['content-type']}`);
      return next(args);
    },
    { step: 'finalizeRequest' },
  );
  return { client, sent };
}

const eventsOf = async (meterd: Meterd, marker: string) =>
  (
    await meterd.admin<{ events: Event[] }>('GET', '/events?eventName=GetEntitlements&limit=1000')
  ).body.events.filter((e) => e.userAgent.includes(marker));

describe('fault rules on GetEntitlements', () => {
  let meterd: Meterd;
  before(async () => {
    meterd = await startMeterd({ catalog: CATALOG as never });
  });
  after(() => meterd.stop());
  const setRules = async (rules: unknown[]) => {
    const r = await meterd.admin('POST', '/faults', rules);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };

  for (const kind of ['json', 'cbor'] as const) {
    it(`injects ThrottlingException, ${kind} forced: the modelled exception, then retried through`, async () => {
      const wire =
        kind === 'cbor'
          ? /^\/service\/AWSMPEntitlementService\/operation\/GetEntitlements application\/cbor$/
          : /^\/ application\/x-amz-json-1\.1$/;
      await setRules([
        {
          id: `ent-${kind}`,
          operation: 'GetEntitlements',
          error: { code: 'ThrottlingException', message: `slow down (${kind})` },
          times: 1,
        },
      ]);
      const once = clientOf(meterd, kind, `ent-once-${kind}`, 1);
      try {
        const error = await once.client
          .send(new GetEntitlementsCommand({ ProductCode: 'ent-saas' }))
          .then(
            () => assert.fail('the injected fault did not reach the client'),
            (e: unknown) => e,
          );
        assert.ok(error instanceof ThrottlingException, `${String(error)}`);
        assert.equal(error.message, `slow down (${kind})`);
        assert.equal(error.$metadata.httpStatusCode, 400);
        assert.match(once.sent[0]!, wire);
      } finally {
        once.client.destroy();
      }
      const [event] = await eventsOf(meterd, `ent-once-${kind}`);
      assert.equal(event!.errorCode, 'ThrottlingException');
      assert.deepEqual(event!.additionalEventData, {
        protocol: PROTOCOLS[kind].recorded,
        injectedFault: { rule: `ent-${kind}`, effect: 'error' },
      });

      // The SDK's standard retry strategy gets through two injected throttles.
      await setRules([
        {
          id: `ent-twice-${kind}`,
          service: 'marketplace-entitlement',
          operation: 'GetEntitlements',
          error: { code: 'ThrottlingException' },
          times: 2,
        },
      ]);
      const retrying = clientOf(meterd, kind, `ent-retry-${kind}`);
      try {
        const out = await retrying.client.send(
          new GetEntitlementsCommand({ ProductCode: 'ent-saas' }),
        );
        assert.ok(out.Entitlements!.length > 0);
        assert.equal(out.$metadata.attempts, 3);
        assert.ok(retrying.sent.every((s) => wire.test(s)));
      } finally {
        retrying.client.destroy();
      }
      assert.deepEqual(
        (await eventsOf(meterd, `ent-retry-${kind}`)).map((e) => e.errorCode ?? 'ok'),
        ['ThrottlingException', 'ThrottlingException', 'ok'],
      );
    });
  }

  it("a rule for the metering service's names, or another operation, leaves GetEntitlements alone", async () => {
    await setRules([
      { service: 'marketplace-metering', error: { code: 'ThrottlingException' } },
      { operation: 'BatchMeterUsage', error: { code: 'ThrottlingException' } },
    ]);
    for (const kind of ['json', 'cbor'] as const) {
      const { client } = clientOf(meterd, kind, `ent-untouched-${kind}`, 1);
      try {
        const out = await client.send(new GetEntitlementsCommand({ ProductCode: 'ent-saas' }));
        assert.ok(out.Entitlements!.length > 0, kind);
      } finally {
        client.destroy();
      }
    }
    await setRules([]);
  });
});

describe('--aws-quotas on GetEntitlements', () => {
  let meterd: Meterd;
  before(async () => {
    meterd = await startMeterd({ catalog: CATALOG as never, args: ['--aws-quotas'] });
  });
  after(() => meterd.stop());

  it('accepts about 20 calls a second per account, in either protocol, and throttles the rest', async (t) => {
    const SECONDS = 2;
    const RATE = 60;
    const clients = {
      json: clientOf(meterd, 'json', 'ent-quota', 1),
      cbor: clientOf(meterd, 'cbor', 'ent-quota', 1),
    };
    const started = Date.now();
    const calls: Array<Promise<string>> = [];
    try {
      for (let i = 0; i < RATE * SECONDS; i++) {
        const due = started + (i * 1000) / RATE;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        const kind: Kind = i % 2 ? 'cbor' : 'json';
        calls.push(
          clients[kind].client.send(new GetEntitlementsCommand({ ProductCode: 'ent-saas' })).then(
            () => `${kind} ok`,
            (e: Error) => `${kind} ${e instanceof ThrottlingException ? 'throttled' : e.name}`,
          ),
        );
      }
      const outcomes = await Promise.all(calls);
      const accepted = outcomes.filter((o) => o.endsWith(' ok')).length;
      const throttled = outcomes.filter((o) => o.endsWith(' throttled')).length;
      // A full bucket (20), then 20 a second.
      const expected = 20 + 20 * SECONDS;
      assert.ok(
        Math.abs(accepted - expected) <= 8,
        `accepted ${accepted} of ${outcomes.length}, expected about ${expected}`,
      );
      assert.equal(accepted + throttled, outcomes.length, 'every other call is throttled');
      for (const kind of ['json', 'cbor'])
        assert.ok(outcomes.includes(`${kind} throttled`), `${kind} calls are throttled too`);
      t.diagnostic(
        `GetEntitlements: ${accepted} of ${outcomes.length} accepted in ${SECONDS} s at ${RATE} calls/s`,
      );

      const marked = (await eventsOf(meterd, 'ent-quota')).filter(
        (e) => e.errorCode === 'ThrottlingException',
      );
      assert.equal(marked.length, throttled);
      for (const e of marked)
        assert.deepEqual(e.additionalEventData?.throttled, {
          quota: 'GetEntitlements',
          ratePerSecond: 20,
          burst: 20,
        });
    } finally {
      clients.json.client.destroy();
      clients.cbor.client.destroy();
    }
  });
});
