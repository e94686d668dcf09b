/**
 * @module The HTTP resource limits of `meterd serve` against a real meterd: slow and stalled
 * clients are let go while well-behaved ones are served, oversize heads get a 431, idle
 * connections are closed, connections are capped, and requests beyond the in-flight bound are
 * answered ThrottlingException at once. Every refusal that gets an answer is AWS-shaped.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  BatchMeterUsageCommand,
  type MarketplaceMeteringClient,
} from '@aws-sdk/client-marketplace-metering';
import { CLI, KEYS, startMeterd, type Meterd } from './helpers/meterd.js';
import { assertAwsError, exchange, plain, rawRequest, type Part } from './helpers/raw-http.js';

const EMPTY_BATCH = JSON.stringify({ ProductCode: 'acme-saas', UsageRecords: [] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let tight: Meterd; // short timeouts, small heads
let idle: Meterd; // a short socket inactivity timeout, long request timeouts
let bounded: Meterd; // two requests in flight, set through METERD_* variables; default head size
let crowded: Meterd; // four connections

before(async () => {
  [tight, idle, bounded, crowded] = await Promise.all([
    startMeterd({
      args: [
        '--headers-timeout',
        '1000',
        '--request-timeout',
        '2000',
        '--keep-alive-timeout',
        '500',
        '--max-header-size',
        '4096',
      ],
    }),
    startMeterd({
      args: ['--idle-timeout', '300', '--headers-timeout', '5000', '--request-timeout', '5000'],
    }),
    startMeterd({ env: { METERD_MAX_IN_FLIGHT: '2' } }),
    startMeterd({ args: ['--max-connections', '4'] }),
  ]);
});
after(() => Promise.all([tight, idle, bounded, crowded].map((m) => m.stop())));

/** A signed, well-formed BatchMeterUsage as raw bytes, and the same split before its end. */
async function request(meterd: Meterd, extra: string[] = []) {
  const bytes = await rawRequest(meterd.url, { credentials: KEYS.acme, body: EMPTY_BATCH }, extra);
  return { bytes, head: bytes.subarray(0, bytes.length - 10), tail: bytes.subarray(-10) };
}

/** `bytes` one small piece at a time, `pauseMs` apart. */
const dribble = (bytes: Buffer, pieceSize: number, pauseMs: number): Part[] => {
  const parts: Part[] = [];
  for (let i = 0; i < bytes.length; i += pieceSize)
    parts.push(bytes.subarray(i, i + pieceSize), pauseMs);
  return parts;
};

/** Sends empty batches with the AWS SDK until `until` settles; resolves with their count. */
async function keepCalling(client: MarketplaceMeteringClient, until: Promise<unknown>) {
  let settled = false;
  void until.finally(() => (settled = true));
  let calls = 0;
  while (!settled) {
    const out = await client.send(
      new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: [] }),
    );
    assert.deepEqual(out.Results, []);
    calls++;
    await sleep(50);
  }
  return calls;
}

describe('slow clients', () => {
  it('disconnects clients sending their head a byte at a time while others are served', async () => {
    const { bytes } = await request(tight);
    const slowloris = Promise.all(
      Array.from({ length: 20 }, () => exchange(tight.url, dribble(bytes, 1, 100))),
    );
    const calls = await keepCalling(tight.client(KEYS.acme), slowloris);
    for (const slow of await slowloris) {
      assert.equal(slow.responses.length, 1, `one answer, then closed: ${slow.leftover}`);
      assertAwsError(slow.responses[0]!, 'RequestTimeoutException', 'slowloris');
      assert.equal(slow.responses[0]!.status, 408);
      // Closed, or reset when the client's next byte meets the closed socket: disconnected.
      assert.ok(['closed', 'reset'].includes(slow.end), `disconnected, not ${slow.end}`);
      // --headers-timeout 1000, checked every 500 ms.
      assert.ok(slow.ms >= 900 && slow.ms < 5000, `cut after ${slow.ms} ms`);
    }
    assert.ok(calls >= 3, `the well-behaved client was served meanwhile (${calls} calls)`);
  });

  it('disconnects a client sending its body too slowly', async () => {
    const { head, tail } = await request(tight);
    const slow = await exchange(tight.url, [head, ...dribble(tail, 1, 400)]);
    assert.equal(slow.responses.length, 1);
    assertAwsError(slow.responses[0]!, 'RequestTimeoutException', 'slow body');
    // --request-timeout 2000: the whole request, head and body.
    assert.ok(slow.ms >= 1900 && slow.ms < 6000, `cut after ${slow.ms} ms`);
  });

  it('serves a slow client that finishes within the timeouts', async () => {
    const { bytes } = await request(tight);
    const slow = await exchange(tight.url, dribble(bytes, Math.ceil(bytes.length / 5), 100), {
      responses: 1,
    });
    assert.equal(slow.responses[0]?.status, 200, slow.responses[0]?.body);
  });
});

describe('idle connections', () => {
  it('closes a keep-alive connection idle longer than --keep-alive-timeout', async () => {
    const { bytes } = await request(tight);
    const kept = await exchange(tight.url, [bytes]);
    assert.equal(kept.responses.length, 1);
    assert.equal(kept.responses[0]!.status, 200);
    assert.equal(kept.end, 'closed');
    // Node closes a kept-alive socket up to a second after --keep-alive-timeout (500 ms).
    assert.ok(kept.ms >= 450 && kept.ms < 4000, `closed after ${kept.ms} ms`);
  });

  it('closes a connection silent for longer than --idle-timeout, before any head timeout', async () => {
    const { head } = await request(idle);
    for (const parts of [[], [head.subarray(0, 40)], [head]]) {
      const silent = await exchange(idle.url, parts);
      assert.deepEqual(silent.responses, [], 'closed without an answer');
      assert.notEqual(silent.end, 'timeout');
      assert.ok(silent.ms >= 250 && silent.ms < 3000, `closed after ${silent.ms} ms`);
    }
    // A client that keeps talking is not idle.
    const { bytes } = await request(idle);
    const steady = await exchange(idle.url, dribble(bytes, Math.ceil(bytes.length / 6), 150), {
      responses: 1,
    });
    assert.equal(steady.responses[0]?.status, 200);
  });
});

describe('head size', () => {
  it('answers a head over --max-header-size with an AWS-shaped 431', async () => {
    const big = await exchange(
      tight.url,
      [(await request(tight, [`x-padding: ${'a'.repeat(5000)}`])).bytes],
      { responses: 1 },
    );
    assert.equal(big.responses[0]?.status, 431);
    assertAwsError(big.responses[0]!, 'RequestHeaderFieldsTooLargeException', 'oversize head');
    const fits = await exchange(
      tight.url,
      [(await request(tight, [`x-padding: ${'a'.repeat(2500)}`])).bytes],
      { responses: 1 },
    );
    assert.equal(fits.responses[0]?.status, 200, fits.responses[0]?.body);
  });

  it('allows heads up to 16 KiB by default', async () => {
    for (const [size, status] of [
      [12_000, 200],
      [20_000, 431],
      [200_000, 431],
    ] as const) {
      const { bytes } = await request(bounded, [`x-padding: ${'a'.repeat(size)}`]);
      const answer = await exchange(bounded.url, [bytes], { responses: 1 });
      assert.equal(answer.responses[0]?.status, status, `a ${size}-byte header`);
      if (status !== 200)
        assertAwsError(answer.responses[0]!, 'RequestHeaderFieldsTooLargeException');
    }
  });
});

describe('requests in flight', () => {
  it('answers ThrottlingException at once beyond the bound, and serves again after', async () => {
    const { head, tail } = await request(bounded);
    // Two requests whose bodies are still arriving fill METERD_MAX_IN_FLIGHT=2.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = [0, 1].map(() => exchange(bounded.url, [head, released, tail], { responses: 1 }));
    await sleep(500);

    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const answer = await plain(
        await fetch(`${bounded.url}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: EMPTY_BATCH,
        }),
      );
      assert.ok(Date.now() - started < 1000, 'answered at once, not queued');
      assertAwsError(answer, 'ThrottlingException', 'over the bound');
    }
    // The official SDK sees the error by name (and would retry it as throttling).
    await assert.rejects(
      bounded
        .client(KEYS.acme)
        .send(new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: [] })),
      (error: Error) => error.name === 'ThrottlingException',
    );
    // Probes, metrics and the admin API stay reachable.
    assert.equal((await fetch(`${bounded.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${bounded.url}/metrics`)).status, 200);
    assert.equal((await bounded.admin('GET', '/products')).status, 200);

    release();
    for (const answer of await Promise.all(held))
      assert.equal(answer.responses[0]?.status, 200, 'the held requests complete');
    const out = await bounded
      .client(KEYS.acme)
      .send(new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: [] }));
    assert.deepEqual(out.Results, []);
  });

  it('frees the slot of a request whose client goes away', async () => {
    const { head } = await request(bounded);
    await Promise.all([0, 1].map(() => exchange(bounded.url, [head, 200], { timeoutMs: 300 })));
    await sleep(100);
    const out = await bounded
      .client(KEYS.acme)
      .send(new BatchMeterUsageCommand({ ProductCode: 'acme-saas', UsageRecords: [] }));
    assert.deepEqual(out.Results, []);
  });
});

describe('connections', () => {
  it('closes connections beyond --max-connections and accepts new ones once some close', async () => {
    const url = new URL(crowded.url);
    const sockets = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<Socket>((resolve) => {
            const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
            socket.on('error', () => undefined);
          }),
      ),
    );
    try {
      await sleep(200);
      const { bytes } = await request(crowded);
      const refused = await exchange(crowded.url, [bytes], { timeoutMs: 2000 });
      assert.deepEqual(refused.responses, [], 'closed without an answer');
      assert.ok(refused.end === 'closed' || refused.end === 'reset', refused.end);
      assert.ok(refused.ms < 2000, `closed after ${refused.ms} ms`);

      sockets[0]!.destroy();
      await sleep(200);
      const served = await exchange(crowded.url, [bytes], { responses: 1 });
      assert.equal(served.responses[0]?.status, 200, served.responses[0]?.body);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});

describe('configuration', () => {
  it('refuses inconsistent limits at start', async () => {
    await assert.rejects(
      promisify(execFile)(process.execPath, [
        CLI,
        'serve',
        '--port',
        '0',
        '--headers-timeout',
        '5000',
        '--request-timeout',
        '1000',
      ]),
      (error: Error & { code?: number; stderr?: string }) => {
        assert.equal(error.code, 1);
        assert.match(
          error.stderr ?? '',
          /--headers-timeout must not be longer than --request-timeout/,
        );
        return true;
      },
    );
  });
});
