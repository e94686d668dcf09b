// Turns a benchmark run into its JSON record (bench/results/) and the Markdown tables of
// bench/README.md (between the results markers), and checks the run against meterd's performance
// targets.
import { readFileSync, writeFileSync } from 'node:fs';

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

const fmt = (n, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? '–'
    : Number(n).toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
const ms = (us) => fmt(us / 1000, us < 10_000 ? 2 : 1);
const stored = (n) =>
  n === undefined || n === null ? '–' : n >= 1e6 ? `${fmt(n / 1e6, 2)} M` : `${fmt(n / 1e3, 0)} k`;

/** meterd's performance targets, checked against one run. */
export function evaluate(run) {
  const at32 = (list) => list?.find((p) => p.connections === 32);
  const h = run.headline ?? {};
  const meterd = h.meterd ?? at32(run.meterd.sweep);
  const floor = h.floor;
  const moto = h.moto;
  const growth = run.meterd.storeGrowth;
  const small = growth[0];
  const large = growth.at(-1);
  const pgCheck = run.postgres?.verification;
  const checks = [
    {
      target:
        'meterd BatchMeterUsage requests/s ≥ 50% of the durable floor (32 connections, medians)',
      value: meterd && floor ? meterd.rps / floor.rps : null,
      display: meterd && floor ? `${fmt((100 * meterd.rps) / floor.rps, 1)} %` : '–',
      pass: meterd && floor ? meterd.rps >= 0.5 * floor.rps : null,
    },
    {
      target: "meterd BatchMeterUsage requests/s ≥ 15× moto's (32 connections, medians)",
      value: meterd && moto ? meterd.rps / moto.rps : null,
      display: meterd && moto ? `${fmt(meterd.rps / moto.rps, 1)}×` : 'moto not run',
      pass: meterd && moto ? meterd.rps >= 15 * moto.rps : null,
    },
    {
      target: 'meterd BatchMeterUsage p99 ≤ 25 ms at 32 connections (median)',
      value: meterd ? meterd.latencyUs.p99 / 1000 : null,
      display: meterd ? `${ms(meterd.latencyUs.p99)} ms` : '–',
      pass: meterd ? meterd.latencyUs.p99 <= 25_000 : null,
    },
    {
      target: `meterd p99 at the largest store ≤ 1.5× its p99 at the smallest`,
      value: small && large ? large.latencyUs.p99 / small.latencyUs.p99 : null,
      display:
        small && large
          ? `${ms(large.latencyUs.p99)} ms at ${stored(large.storedAtStart)} vs ${ms(small.latencyUs.p99)} ms at ${stored(small.storedAtStart)} (${fmt(large.latencyUs.p99 / small.latencyUs.p99, 2)}×)`
          : '–',
      pass: small && large ? large.latencyUs.p99 <= 1.5 * small.latencyUs.p99 : null,
    },
    {
      target: 'every acknowledged record is in the store afterwards',
      value: run.verification ? run.verification.missing + (pgCheck?.missing ?? 0) : null,
      display: run.verification
        ? `${fmt(run.verification.checkedRecords)} checked, ${fmt(run.verification.missing)} missing${
            pgCheck
              ? ` (SQLite); ${fmt(pgCheck.checkedRecords)} checked, ${fmt(pgCheck.missing)} missing (PostgreSQL)`
              : ''
          }`
        : '–',
      pass: run.verification
        ? run.verification.missing === 0 && (pgCheck?.missing ?? 0) === 0
        : null,
    },
    {
      target: 'the whole benchmark finishes in under 10 minutes',
      value: run.durationSeconds,
      display: `${fmt(run.durationSeconds / 60, 1)} min`,
      pass: run.durationSeconds < 600,
    },
  ];
  return checks;
}

function row(server, operation, p) {
  return `| ${server} | ${operation} | ${p.connections} | ${stored(p.storedAtStart)} | ${fmt(p.rps)} | ${p.recordsPerSecond ? fmt(p.recordsPerSecond) : '–'} | ${ms(p.latencyUs.p50)} | ${ms(p.latencyUs.p99)} | ${fmt(p.peakRssMiB)} | ${p.notes ?? ''} |`;
}

const HEADLINE_NAMES = {
  meterd: 'meterd (SQLite)',
  floor: 'durable floor',
  ceiling: 'ceiling (node:http)',
  moto: 'moto_server',
};

/** The Markdown section for bench/README.md. */
export function markdown(run) {
  const lines = [];
  const m = run.machine;
  lines.push(
    `Run of ${run.startedAt} (${fmt(run.durationSeconds / 60, 1)} min): ${m.cpus} × ${m.cpuModel}, ${fmt(m.memoryGiB)} GiB, Node ${m.node}; load generator **${run.generator.version}**; moto ${run.moto.version ?? 'not installed'}; PostgreSQL ${run.postgres?.version ?? `not run (${run.postgres?.skipped ?? 'not run'})`}${run.postgres?.startSeconds ? ` (two meterd instances started in ${fmt(run.postgres.startSeconds, 1)} s)` : ''}; load average ${m.loadAverageStart.join(' / ')} at start, ${m.loadAverageEnd.join(' / ')} at the end. JSON: \`${run.resultsFile}\`.`,
    ...(run.generator.name === 'wrk'
      ? []
      : [
          '',
          '**Note:** wrk was not installed: the Node generator (`lib/node-load.mjs`, raw keep-alive sockets) drove these runs. It shares the CPUs with the server under test, so on a small machine the ceiling rows may measure the generator rather than the ceiling.',
        ]),
    ...(run.health?.warning ? ['', `**Warning:** ${run.health.warning}.`] : []),
    '',
    `Headline: ${run.config.rounds} alternating rounds at 32 connections (meterd, durable floor, ceiling, moto, then again), ${run.config.roundSeconds} s each; median and range of each figure, and what the load generator, the server and everything else used (cores, from /proc).`,
    '',
    '| server | requests/s (median) | range | p50 ms | p99 ms (median) | p99 range | generator cores | server cores | other processes, cores |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...Object.entries(run.headline ?? {}).map(([name, f]) => {
      const c = (k) => (f.health[k] ? fmt(f.health[k].median, 2) : '–');
      return `| ${HEADLINE_NAMES[name] ?? name} | ${fmt(f.rps)} | ${fmt(f.range.rps.min)}–${fmt(f.range.rps.max)} | ${ms(f.latencyUs.p50)} | ${ms(f.latencyUs.p99)} | ${ms(f.range.p99Us.min)}–${ms(f.range.p99Us.max)} | ${c('generatorCores')} | ${c('serverCores')} | ${c('othersCores')} |`;
    }),
    '',
    '| server | operation | connections | stored records at start | requests/s | records/s | p50 ms | p99 ms | peak RSS MiB | notes |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const p of run.meterd.storeGrowth)
    lines.push(row('meterd', 'BatchMeterUsage (store growth)', p));
  for (const p of run.meterd.sweep) lines.push(row('meterd', 'BatchMeterUsage', p));
  if (run.meterd.meterUsage) lines.push(row('meterd', 'MeterUsage', run.meterd.meterUsage));
  if (run.meterd.resolveCustomer)
    lines.push(row('meterd', 'ResolveCustomer', run.meterd.resolveCustomer));
  const pg = run.postgres ?? { skipped: 'not run' };
  const vsSqlite = (ratio) =>
    ratio === null || ratio === undefined
      ? ''
      : `${fmt(100 * ratio, 0)} % of SQLite's 32-connection row`;
  if (pg.oneInstance)
    lines.push(
      row('meterd on PostgreSQL, 1 instance', 'BatchMeterUsage', {
        ...pg.oneInstance,
        notes: [vsSqlite(run.ratios.postgresOneOverSqlite), pg.oneInstance.notes]
          .filter(Boolean)
          .join('; '),
      }),
    );
  if (pg.twoInstances)
    lines.push(
      row('meterd on PostgreSQL, 2 instances', 'BatchMeterUsage', {
        ...pg.twoInstances,
        notes: [vsSqlite(run.ratios.postgresTwoOverSqlite), pg.twoInstances.notes]
          .filter(Boolean)
          .join('; '),
      }),
    );
  if (pg.skipped)
    lines.push(
      `| meterd on PostgreSQL | BatchMeterUsage | – | – | – | – | – | – | – | skipped: ${pg.skipped} |`,
    );
  for (const p of run.ceiling.sweep)
    lines.push(row('ceiling (node:http)', 'same BatchMeterUsage bodies', p));
  if (run.headline?.floor)
    lines.push(row('durable floor', 'same BatchMeterUsage requests', run.headline.floor));
  if (run.headline?.moto) lines.push(row('moto_server', 'BatchMeterUsage', run.headline.moto));
  else
    lines.push(
      `| moto_server | BatchMeterUsage | – | – | – | – | – | – | – | skipped: ${run.moto.skipped} |`,
    );
  lines.push(
    '',
    '| ratio (32 connections, BatchMeterUsage requests/s, medians of the alternating runs) | value |',
    '| --- | ---: |',
  );
  const pct = (r) => (r === null || r === undefined ? '–' : `${fmt(100 * r, 1)} %`);
  lines.push(
    `| meterd / durable floor | ${pct(run.ratios.meterdOverFloor)} |`,
    `| durable floor / ceiling | ${pct(run.ratios.floorOverCeiling)} |`,
    `| meterd / ceiling | ${pct(run.ratios.meterdOverCeiling)} |`,
    `| meterd / moto | ${run.ratios.meterdOverMoto === null ? '–' : `${fmt(run.ratios.meterdOverMoto, 1)}×`} |`,
  );
  lines.push(
    `| meterd on PostgreSQL, 1 instance / meterd on SQLite | ${pct(run.ratios.postgresOneOverSqlite)} |`,
    `| meterd on PostgreSQL, 2 instances (16 + 16 connections) / meterd on SQLite | ${pct(run.ratios.postgresTwoOverSqlite)} |`,
  );
  lines.push('', '| target | this run | holds |', '| --- | --- | :---: |');
  for (const c of run.checks)
    lines.push(
      `| ${c.target} | ${c.display} | ${c.pass === null ? '–' : c.pass ? 'yes' : '**no**'} |`,
    );
  return lines.join('\n');
}

/** Replaces the results section of bench/README.md. */
export function updateReadme(file, section) {
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file} lacks the ${START} … ${END} markers`);
  writeFileSync(file, `${text.slice(0, a + START.length)}\n\n${section}\n\n${text.slice(b)}`);
}
