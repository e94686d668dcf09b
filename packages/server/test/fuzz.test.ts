/**
 * @module Property-based fuzzing of a real meterd with fast-check, over every input family of
 * `helpers/fuzz-families.ts` (malformed and adversarial requests of every kind, to every
 * operation in AWS JSON 1.1 and to GetEntitlements in Smithy RPC v2 CBOR too). Every input
 * must get an AWS-shaped 4xx in its protocol's encoding (or close the connection), the server must stay up and log no
 * unexpected error, and its resident memory must stay bounded. The last line reports how many
 * inputs were tried. `npm run fuzz` runs the same families for much longer.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  FAMILIES,
  MB,
  MEMORY_GROWTH_BOUND,
  SERVER_ARGS,
  call,
  errorLines,
  fuzzTarget,
  residentMemory,
  type FuzzTarget,
} from './helpers/fuzz-families.js';
import { KEYS, startMeterd, type Meterd } from './helpers/meterd.js';

/** Multiplies the number of runs of every property (METERD_FUZZ_SCALE=10 for a longer run). */
const SCALE = Number(process.env.METERD_FUZZ_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)) });

let meterd: Meterd;
let target: FuzzTarget;
const tried: Record<string, number> = {};
let rssBefore = 0;
let rssAfter = 0;

before(async () => {
  meterd = await startMeterd({ args: SERVER_ARGS });
  target = await fuzzTarget(meterd, { count: (kind) => (tried[kind] = (tried[kind] ?? 0) + 1) });
  rssBefore = await residentMemory(meterd.url);
});

after(async () => {
  const running = meterd.process.exitCode === null;
  await meterd.stop();
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  const kinds = Object.entries(tried)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const mb = (bytes: number) => `${Math.round(bytes / MB)} MB`;
  console.log(
    `fuzz: ${total} inputs fuzzed (${kinds}); server ${running ? 'up' : 'DOWN'}; resident memory ${mb(rssBefore)} -> ${mb(rssAfter)}`,
  );
});

describe('fuzzing', () => {
  for (const family of FAMILIES)
    it(family.title, async () => {
      const fuzzing = await family.prepare(target);
      await fc.assert(fuzzing.property(), runs(fuzzing.runs));
    });

  it('stays up, logs no unexpected error, and keeps its memory bounded', async () => {
    assert.equal(meterd.process.exitCode, null, 'still running');
    assert.equal((await fetch(`${meterd.url}/healthz`)).status, 200);
    const answer = await call(target, 'a valid call after the fuzzing', {
      credentials: KEYS.acme,
      body: JSON.stringify({ ProductCode: 'acme-saas', UsageRecords: [] }),
    });
    assert.equal(answer.status, 200, answer.body);
    assert.deepEqual(errorLines(meterd.output()), [], 'no error logged');
    // Resident memory settles once the last large bodies are collected: take the lowest of a few
    // samples. The bound leaves room for SQLite's page cache (64 MB) and V8's grown heap, and
    // still catches anything that keeps what it is sent (the inputs add up to gigabytes).
    rssAfter = Infinity;
    for (let i = 0; i < 6; i++) {
      rssAfter = Math.min(rssAfter, await residentMemory(meterd.url));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(
      rssAfter - rssBefore < MEMORY_GROWTH_BOUND,
      `resident memory grew from ${rssBefore} to ${rssAfter} bytes`,
    );
  });
});
