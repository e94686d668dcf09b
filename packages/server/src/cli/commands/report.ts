/**
 * @module `meterd report usage`: the usage report of `GET /admin/v1/reports/usage` (periods in
 * UTC, from the hourly summary), written as it streams to a file or to standard output, with
 * a progress bar on standard error when that is a terminal.
 */

import { createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Presets, SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import { adminStream, CliError } from '../admin-client.js';
import { conn, required, withAdmin } from '../options.js';

/** How far through `from`…`to` a chunk's last period is (rows come in period order). */
function progressOf(chunk: string, from: number, to: number): number | undefined {
  const periods = chunk.match(/\d{4}-\d\d-\d\dT\d\d:00:00\.000Z/g);
  if (!periods) return undefined;
  return (Date.parse(periods.at(-1)!) - from) / (to - from);
}

/**
 * Adds `report usage` to the program.
 * @example addReportUsageCommand(program) // meterd report usage --from 2026-01-01T00:00:00Z --to 2026-02-01T00:00:00Z --granularity day --group-by dimension --format csv --out january.csv
 */
export function addReportUsageCommand(program: Command): void {
  const report = program.command('report').description('reports over the hourly usage summary');
  withAdmin(
    report
      .command('usage')
      .description(
        'quantities and record counts per period (UTC) and group, streamed to --out or standard output',
      )
      .addOption(required('--from <time>', 'first hour included (ISO-8601 or epoch seconds)'))
      .addOption(required('--to <time>', 'hour the report stops before'))
      .addOption(
        new Option('--granularity <period>', 'period of a row')
          .choices(['hour', 'day', 'month'])
          .default('day'),
      )
      .option(
        '--group-by <groups>',
        'comma-separated: product, customer, dimension, tag:<key> (one tag key)',
      )
      .option('--product-code <code>', 'only of this product')
      .option('--customer-aws-account-id <id>', 'only of this buyer')
      .option('--dimension <name>', 'only of this dimension')
      .addOption(
        new Option('--format <format>', 'json or csv').choices(['json', 'csv']).default('json'),
      )
      .option('--out <file>', 'write here instead of standard output'),
  ).action(async (opts) => {
    const query = new URLSearchParams({
      from: opts.from,
      to: opts.to,
      granularity: opts.granularity,
      format: opts.format,
      ...(opts.groupBy ? { groupBy: opts.groupBy } : {}),
      ...(opts.productCode ? { productCode: opts.productCode } : {}),
      ...(opts.customerAwsAccountId ? { customerAWSAccountId: opts.customerAwsAccountId } : {}),
      ...(opts.dimension ? { dimension: opts.dimension } : {}),
    });
    const response = await adminStream(conn(opts), `/reports/usage?${query}`);
    if (!response.body) throw new CliError('meterd answered the report with no body');
    const seconds = (v: string) => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v));
    const from = seconds(opts.from);
    const to = seconds(opts.to);
    const bar = process.stderr.isTTY
      ? new SingleBar(
          { format: 'report [{bar}] {percentage}% | {kib} KiB', stream: process.stderr },
          Presets.shades_classic,
        )
      : undefined;
    bar?.start(100, 0, { kib: 0 });
    let kib = 0;
    let bytes = 0;
    const decoder = new TextDecoder();
    const out = opts.out ? createWriteStream(opts.out) : process.stdout;
    const tap = new Writable({
      write(chunk: Uint8Array, _encoding, done) {
        bytes += chunk.length;
        kib = Math.floor(bytes / 1024);
        const done01 = progressOf(decoder.decode(chunk, { stream: true }), from, to);
        if (bar) bar.update(Math.min(99, Math.floor((done01 ?? bar.getProgress()) * 100)), { kib });
        if (out.write(chunk)) done();
        else out.once('drain', () => done());
      },
      final(done) {
        if (out === process.stdout) done();
        else out.end(done);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as never), tap);
      bar?.update(100, { kib });
    } finally {
      bar?.stop();
    }
  });
}
