/**
 * @module `meterd audit` and `meterd usage`: the audit trail and stored usage, paged as the AWS
 * CLI pages (`--page-size`, `--next-token`, `--max-items`, and `--all`); `audit export` writes
 * CloudTrail files whose names follow from the hours exported, so a second export of the same
 * range replaces the first one's files.
 */

import type { Command } from 'commander';
import type { AuditEvent } from '../../audit/event.js';
import { writeCloudTrailFiles } from '../../audit/export.js';
import { adminRequest } from '../admin-client.js';
import {
  conn,
  EVENT_FILTERS,
  listPages,
  print,
  queryOf,
  renamed,
  required,
  withAdmin,
  withPaging,
} from '../options.js';

/** Epoch milliseconds of an ISO-8601 time or epoch seconds, as the admin API reads them. */
function instant(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
}

/**
 * Adds `audit` and `usage` to the program.
 * @example addReportCommands(program) // meterd usage list --product-code acme-saas --all
 */
export function addReportCommands(program: Command): void {
  const audit = program.command('audit').description('the CloudTrail-format audit trail');
  withAdmin(
    audit
      .command('export')
      .description(
        'write audit events as gzip-compressed CloudTrail log files, one per account, region and hour; exporting the same range again overwrites the same files',
      )
      .addOption(required('--out <dir>', 'output directory'))
      .option('--event-name <name>', 'only this operation')
      .option('--account-id <id>', 'only events in this account')
      .option('--start-time <time>', 'ISO-8601 or epoch seconds')
      .option('--end-time <time>', 'ISO-8601 or epoch seconds'),
  ).action(async (opts) => {
    const events: AuditEvent[] = [];
    let after: string | undefined;
    for (;;) {
      const query = queryOf(opts, EVENT_FILTERS, { limit: '1000', ...(after ? { after } : {}) });
      const page = await adminRequest<{ events: AuditEvent[]; nextToken?: string }>(
        conn(opts),
        'GET',
        `/events?${query}`,
      );
      events.push(...page.events);
      if (!page.nextToken) break;
      after = page.nextToken;
    }
    const start = instant(opts.startTime);
    const end = instant(opts.endTime);
    const files = await writeCloudTrailFiles(opts.out, events, {
      ...(start === undefined ? {} : { start }),
      ...(end === undefined ? {} : { end }),
      filter: [opts.eventName ?? '', opts.accountId ?? ''].join('|'),
    });
    print({ events: events.length, files });
  });
  withAdmin(
    withPaging(
      audit
        .command('list')
        .description('list audit events, oldest first')
        .option('--event-name <name>', 'only this operation')
        .option('--account-id <id>', 'only events in this account')
        .option('--start-time <time>', 'ISO-8601 or epoch seconds')
        .option('--end-time <time>', 'ISO-8601 or epoch seconds'),
    ),
  ).action(async (opts) =>
    print(await listPages(conn(opts), '/events', 'events', queryOf(opts, EVENT_FILTERS), opts)),
  );

  const usage = program.command('usage').description('usage reports');
  withAdmin(
    withPaging(
      renamed(
        usage
          .command('list')
          .description('list stored usage records, in the order stored')
          .option('--product-code <code>', 'only of this product')
          .option('--customer-aws-account-id <id>', 'only of this buyer')
          .option('--dimension <name>', 'only of this dimension')
          .option('--operation <name>', 'BatchMeterUsage | MeterUsage')
          .option('--start-time <time>', 'usage time from (ISO-8601 or epoch seconds)')
          .option('--end-time <time>', 'usage time before (ISO-8601 or epoch seconds)'),
        '--customer',
        '--customer-aws-account-id',
      ),
    ),
  ).action(async (opts) => {
    const query = queryOf(opts, {
      productCode: 'productCode',
      customerAwsAccountId: 'customerAWSAccountId',
      dimension: 'dimension',
      operation: 'operation',
      startTime: 'startTime',
      endTime: 'endTime',
    });
    print(await listPages(conn(opts), '/usage', 'records', query, opts));
  });
}
