/**
 * @module `meterd agreements`: a buyer's subscription to a product. `create` refuses a licence
 * that exists (by default one per product and buyer); `put` creates or replaces; `delete`
 * removes one (its usage records stay).
 */

import type { Command } from 'commander';
import { adminRequest } from '../admin-client.js';
import { conn, print, queryOf, renamed, required, withAdmin } from '../options.js';

/** The flags of an agreement's fields (create and put). */
function withFields(command: Command, licence: 'optional' | 'required'): Command {
  command
    .addOption(required('--product-code <code>', 'product code'))
    .addOption(required('--customer-aws-account-id <id>', "the buyer's 12-digit account id"))
    .option('--customer-identifier <id>', "the buyer's identifier (generated when absent)");
  if (licence === 'required') command.addOption(required('--license-arn <arn>', 'licence ARN'));
  else command.option('--license-arn <arn>', 'licence ARN (derived when absent)');
  return renamed(
    command
      .option('--status <status>', 'active | unsubscribed | suspended')
      .option('--started-at <time>', 'ISO-8601 start time')
      .option('--ended-at <time>', 'ISO-8601 end time (unsubscribed)'),
    '--customer',
    '--customer-aws-account-id',
  );
}

const fields = (opts: Record<string, string | undefined>) => ({
  productCode: opts.productCode,
  customerAWSAccountId: opts.customerAwsAccountId,
  ...(opts.customerIdentifier ? { customerIdentifier: opts.customerIdentifier } : {}),
  ...(opts.licenseArn ? { licenseArn: opts.licenseArn } : {}),
  ...(opts.status ? { status: opts.status } : {}),
  ...(opts.startedAt ? { startedAt: opts.startedAt } : {}),
  ...(opts.endedAt ? { endedAt: opts.endedAt } : {}),
});
const agreement = (arn: string) => `/agreements/${encodeURIComponent(arn)}`;

/**
 * Adds `agreements` to the program.
 * @example addAgreementCommands(program) // meterd agreements list --product-code acme-saas
 */
export function addAgreementCommands(program: Command): void {
  const agreements = program
    .command('agreements')
    .description('agreements between buyers and products');
  withAdmin(
    renamed(
      agreements
        .command('list')
        .description('list agreements')
        .option('--product-code <code>', 'only of this product')
        .option('--customer-aws-account-id <id>', 'only of this buyer'),
      '--customer',
      '--customer-aws-account-id',
    ),
  ).action(async (opts) => {
    const query = queryOf(opts, {
      productCode: 'productCode',
      customerAwsAccountId: 'customerAWSAccountId',
    });
    print(await adminRequest(conn(opts), 'GET', `/agreements?${query}`));
  });
  withAdmin(
    agreements
      .command('get')
      .description('show an agreement')
      .addOption(required('--license-arn <arn>', 'licence ARN')),
  ).action(async (opts) =>
    print(await adminRequest(conn(opts), 'GET', agreement(opts.licenseArn))),
  );
  withAdmin(
    withFields(
      agreements.command('create').description('create an agreement; fails if it exists'),
      'optional',
    ),
  ).action(async (opts) =>
    print(await adminRequest(conn(opts), 'POST', '/agreements', fields(opts))),
  );
  withAdmin(
    withFields(agreements.command('put').description('create or replace an agreement'), 'required'),
  ).action(async (opts) =>
    print(await adminRequest(conn(opts), 'PUT', agreement(opts.licenseArn), fields(opts))),
  );
  withAdmin(
    agreements
      .command('set-status')
      .description("change an agreement's status")
      .argument('<licenseArn>')
      .argument('<status>', 'active | unsubscribed | suspended')
      .option('--ended-at <time>', 'ISO-8601 end time (unsubscribed)'),
  ).action(async (arn: string, status: string, opts) =>
    print(
      await adminRequest(conn(opts), 'PATCH', agreement(arn), {
        status,
        ...(opts.endedAt ? { endedAt: opts.endedAt } : {}),
      }),
    ),
  );
  withAdmin(
    agreements
      .command('delete')
      .description('delete an agreement: metering for the buyer is refused; usage records stay')
      .addOption(required('--license-arn <arn>', 'licence ARN')),
  ).action(async (opts) =>
    print(await adminRequest(conn(opts), 'DELETE', agreement(opts.licenseArn))),
  );
}
