/**
 * @module `meterd notifications`: the notification targets (`targets list`, `targets add`,
 * `targets delete`) and the delivery log (`log`). An SQS target's secret key is read from the
 * environment (METERD_TARGET_SECRET_ACCESS_KEY), never from the command line.
 */

import { Option, type Command } from 'commander';
import { adminRequest } from '../admin-client.js';
import { conn, print, queryOf, required, withAdmin } from '../options.js';

/**
 * Adds `notifications` to the program.
 * @example addNotificationCommands(program) // meterd notifications log --status pending
 */
export function addNotificationCommands(program: Command): void {
  const notifications = program
    .command('notifications')
    .description('lifecycle notification targets and their delivery log');
  const targets = notifications.command('targets').description('notification targets');
  withAdmin(targets.command('list').description('list targets (secrets redacted)')).action(
    async (opts) => print(await adminRequest(conn(opts), 'GET', '/notification-targets')),
  );
  withAdmin(
    targets
      .command('add')
      .description('add a target: sns-http, sqs or eventbridge-http')
      .addOption(required('--type <type>', 'sns-http | sqs | eventbridge-http'))
      .option('--id <id>', 'its id (default: generated)')
      .option('--topic <topic>', 'subscription | entitlement | all (default all)')
      .option('--product-code <code>', "only this product's notices")
      .option('--endpoint <url>', 'sns-http, eventbridge-http: the URL POSTed to')
      .addOption(new Option('--signature-version <n>', 'sns-http: 1 or 2').choices(['1', '2']))
      .option('--queue-url <url>', 'sqs: the queue')
      .option('--endpoint-url <url>', 'sqs: the SQS endpoint (a local one)')
      .option('--region <region>', 'sqs: the region')
      .option(
        '--access-key-id <id>',
        'sqs: the access key; its secret from METERD_TARGET_SECRET_ACCESS_KEY',
      )
      .option('--raw-message-delivery', 'sqs: the message alone, not the SNS envelope'),
  ).action(async (opts) => {
    const secret = process.env.METERD_TARGET_SECRET_ACCESS_KEY;
    print(
      await adminRequest(conn(opts), 'POST', '/notification-targets', {
        type: opts.type,
        ...(opts.id ? { id: opts.id } : {}),
        ...(opts.topic ? { topic: opts.topic } : {}),
        ...(opts.productCode ? { productCode: opts.productCode } : {}),
        ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
        ...(opts.signatureVersion ? { signatureVersion: Number(opts.signatureVersion) } : {}),
        ...(opts.queueUrl ? { queueUrl: opts.queueUrl } : {}),
        ...(opts.endpointUrl ? { endpointUrl: opts.endpointUrl } : {}),
        ...(opts.region ? { region: opts.region } : {}),
        ...(opts.accessKeyId ? { accessKeyId: opts.accessKeyId } : {}),
        ...(opts.accessKeyId && secret ? { secretAccessKey: secret } : {}),
        ...(opts.rawMessageDelivery ? { rawMessageDelivery: true } : {}),
      }),
    );
  });
  withAdmin(
    targets
      .command('delete')
      .description('delete a target and its messages not yet delivered')
      .addOption(required('--id <id>', 'the target')),
  ).action(async (opts) =>
    print(
      await adminRequest(
        conn(opts),
        'DELETE',
        `/notification-targets/${encodeURIComponent(opts.id)}`,
      ),
    ),
  );
  withAdmin(
    notifications
      .command('log')
      .description('the delivery log: target, status, attempts, last error, next attempt')
      .option('--target-id <id>', "one target's messages")
      .option('--status <status>', 'pending | delivered | failed | dropped')
      .option('--limit <n>', 'messages per page (default 100)')
      .option('--after <seq>', 'messages after this one (a nextToken)'),
  ).action(async (opts) =>
    print(
      await adminRequest(
        conn(opts),
        'GET',
        `/notifications?${queryOf(opts, { targetId: 'targetId', status: 'status', limit: 'limit', after: 'after' })}`,
      ),
    ),
  );
}
