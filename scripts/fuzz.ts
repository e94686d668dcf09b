/**
 * @module The long fuzzing run, outside the tests: `npm run fuzz -- --inputs 100000`. It runs
 * every input family of the fuzz test (packages/server/test/helpers/fuzz-families.ts), in the
 * test's proportions, against a real meterd started through the test kit, in rounds that
 * interleave the families. Unlike the test it does not stop at the first failure: it counts
 * crashes (meterd exiting; it is restarted), 5xx answers and other failed checks, samples
 * meterd's resident memory, and prints the figures. Exits 1 unless all three are 0, nothing
 * was logged at level error, and memory stayed within the test's bound.
 * Options: --inputs N (default 100000), --rounds R (default 10), --seed S.
 */

import { parseArgs } from 'node:util';
import fc from 'fast-check';
import {
  FAMILIES,
  MB,
  MEMORY_GROWTH_BOUND,
  SERVER_ARGS,
  errorLines,
  fuzzTarget,
  residentMemory,
  type FuzzTarget,
} from '../packages/server/test/helpers/fuzz-families.js';
import { BACKEND, startMeterd, type Meterd } from '../packages/server/test/helpers/meterd.js';

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '10' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
  },
});
const INPUTS = Number(values.inputs);
const ROUNDS = Math.max(1, Number(values.rounds));
const SEED = Number(values.seed);

const started = Date.now();
const seconds = () => (Date.now() - started) / 1000;
const mb = (bytes: number) => `${Math.round(bytes / MB)} MB`;

const tried: Record<string, number> = {};
const total = () => Object.values(tried).reduce((a, b) => a + b, 0);
const statuses = { '2xx': 0, '4xx': 0, '5xx': 0, other: 0 };
const failures: Record<string, number> = {};
const examples: string[] = [];
let crashes = 0;

let meterd: Meterd = await startMeterd({ args: SERVER_ARGS });
async function target(): Promise<FuzzTarget> {
  return fuzzTarget(meterd, {
    count: (kind) => (tried[kind] = (tried[kind] ?? 0) + 1),
    answered(status) {
      const range = Math.floor(status / 100);
      if (range === 2) statuses['2xx']++;
      else if (range === 4) statuses['4xx']++;
      else if (range === 5) statuses['5xx']++;
      else statuses.other++;
    },
  });
}
let current = await target();

// Resident memory: sampled every 2 s for the peak, and at the end of each round for the curve.
const rssStart = await residentMemory(meterd.url);
let rssPeak = rssStart;
const curve: Array<{ inputs: number; seconds: number; rss: number }> = [
  { inputs: 0, seconds: 0, rss: rssStart },
];
const sampler = setInterval(() => {
  residentMemory(meterd.url).then(
    (rss) => (rssPeak = Math.max(rssPeak, rss)),
    () => {},
  );
}, 2000);

/** Restarts meterd if it died (a crash), keeping its output for the report. */
async function survive(during: string) {
  if (meterd.process.exitCode === null && meterd.process.signalCode === null) return;
  crashes++;
  examples.push(
    `crash during ${during}: exit ${meterd.process.exitCode ?? meterd.process.signalCode}\n${meterd.output().slice(-2000)}`,
  );
  meterd = await meterd.restart();
  current = await target();
}

// Runs per family and round, in the test's proportions, so that the total is about INPUTS.
const prepared = await Promise.all(FAMILIES.map((f) => f.prepare(current)));
const perScale = prepared.reduce((sum, p) => sum + p.runs * p.inputsPerRun, 0);
const scale = INPUTS / perScale;

console.log(
  `fuzz: ${INPUTS} inputs over ${FAMILIES.length} families in ${ROUNDS} rounds, seed ${SEED}, ${BACKEND}, meterd at ${meterd.url}`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, family] of FAMILIES.entries()) {
    const numRuns = Math.max(1, Math.round((prepared[i]!.runs * scale) / ROUNDS));
    // Prepared again each round: inputs hold timestamps of the moment and a live token.
    const fuzzing = await family.prepare(current);
    await fc.check(
      fuzzing.property((error) => {
        failures[family.title] = (failures[family.title] ?? 0) + 1;
        if (examples.length < 10) examples.push(`${family.title}: ${(error as Error).message}`);
      }),
      { numRuns, seed: SEED + round * FAMILIES.length + i },
    );
    await survive(family.title);
  }
  const rss = await residentMemory(meterd.url);
  rssPeak = Math.max(rssPeak, rss);
  curve.push({ inputs: total(), seconds: seconds(), rss });
  console.log(
    `round ${round + 1}/${ROUNDS}: ${total()} inputs, ${seconds().toFixed(0)} s, ${(total() / seconds()).toFixed(0)}/s, resident memory ${mb(rss)}, 5xx ${statuses['5xx']}, crashes ${crashes}, failed checks ${Object.values(failures).reduce((a, b) => a + b, 0)}`,
  );
}
clearInterval(sampler);

// As in the test: the lowest of a few samples, once the last large bodies are collected.
let rssEnd = Infinity;
for (let i = 0; i < 6; i++) {
  rssEnd = Math.min(rssEnd, await residentMemory(meterd.url));
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const errors = errorLines(meterd.output());
await meterd.stop();

const failed = Object.values(failures).reduce((a, b) => a + b, 0);
const bounded = rssEnd - rssStart < MEMORY_GROWTH_BOUND;
console.log(
  `\nfuzz: ${total()} inputs in ${seconds().toFixed(0)} s (${(total() / seconds()).toFixed(0)}/s), seed ${SEED}`,
);
for (const [kind, n] of Object.entries(tried)) console.log(`  ${String(n).padStart(7)} ${kind}`);
console.log(
  `answers: ${statuses['2xx']} 2xx, ${statuses['4xx']} 4xx, ${statuses['5xx']} 5xx, ${statuses.other} other (the rest: connections closed)`,
);
console.log(`crashes: ${crashes}; failed checks: ${failed}; error log lines: ${errors.length}`);
for (const [title, n] of Object.entries(failures)) console.log(`  ${n} in: ${title}`);
console.log(
  `resident memory: start ${mb(rssStart)}, peak ${mb(rssPeak)}, end ${mb(rssEnd)} (bound: growth under ${mb(MEMORY_GROWTH_BOUND)})`,
);
console.log(
  `curve (inputs: MB): ${curve.map((c) => `${c.inputs}: ${Math.round(c.rss / MB)}`).join(', ')}`,
);
for (const example of examples) console.log(`\n${example}`);
for (const line of errors.slice(0, 5)) console.log(`error logged: ${line}`);
process.exit(
  crashes === 0 && statuses['5xx'] === 0 && failed === 0 && errors.length === 0 && bounded ? 0 : 1,
);
