/**
 * @module `meterd subscribe` and `meterd tokens`: a buyer subscribing to a SaaS product, as AWS
 * Marketplace does it, and registration tokens minted on their own (for CI).
 */

import { Option, type Command } from 'commander';
import { adminRequest } from '../admin-client.js';
import { conn, print, renamed, required, withAdmin } from '../options.js';
import { subscribe } from '../subscribe.js';

/** The buyer and product flags, and the hidden names they replaced. */
function withBuyer(command: Command): Command {
  command
    .addOption(required('--product-code <code>', 'product code'))
    .addOption(required('--customer-aws-account-id <id>', "the buyer's 12-digit account id"));
  renamed(command, '--product', '--product-code');
  return renamed(command, '--customer', '--customer-aws-account-id');
}

/**
 * Adds `subscribe` and `tokens` to the program.
 * @example addSubscriptionCommands(program) // meterd subscribe --product-code acme-saas ...
 */
export function addSubscriptionCommands(program: Command): void {
  withAdmin(
    withBuyer(
      program
        .command('subscribe')
        .description(
          'subscribe a buyer to a SaaS product as AWS Marketplace does: mint a registration token and form-POST it to the fulfillment URL; if the fulfillment site cannot be reached or answers an error, an agreement the token created is deleted again',
        ),
    )
      .option('--fulfillment-url <url>', "post here instead of the product's fulfillment URL")
      .option('--free-trial', 'also send x-amzn-marketplace-offer-type=free-trial')
      .addOption(
        new Option(
          '--fail-payment',
          'simulate a failed payment: the agreement is recorded suspended and subscribe-fail is sent; nothing is posted to the fulfillment URL',
        ).conflicts(['fulfillmentUrl', 'freeTrial']),
      ),
  ).action(async (opts) => print(await subscribe(conn(opts), opts)));

  const tokens = program.command('tokens').description('registration tokens');
  withAdmin(
    withBuyer(
      tokens
        .command('create')
        .description('mint a registration token; a buyer without an agreement gets an active one'),
    ),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/registration-tokens', {
        productCode: opts.productCode,
        customerAWSAccountId: opts.customerAwsAccountId,
      }),
    ),
  );
}
