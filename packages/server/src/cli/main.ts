#!/usr/bin/env node
/**
 * @module The `meterd` command: `serve` runs the service; the other subcommands drive a running
 * meterd through its admin API. Every flag can also be set as a METERD_* environment variable.
 */

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { writeCloudTrailFiles } from '../audit/export.js';
import { DEFAULT_ROTATION_GRACE_SECONDS } from '../catalog/signing-keys.js';
import type { AuditEvent } from '../audit/event.js';
import { AdminApiError, adminRequest } from './admin-client.js';
import { conn, EVENT_FILTERS, integer, print, queryOf, withAdmin } from './options.js';
import { addFaultCommands } from './faults.js';
import { addServeCommand } from './serve.js';
import { subscribe } from './subscribe.js';

/**
 * Builds the `meterd` program.
 * @example buildProgram().parseAsync(['node', 'meterd', 'serve', '--port', '9400'])
 */
export function buildProgram(): Command {
  const program = new Command('meterd')
    .description('A self-hostable, wire-compatible AWS Marketplace Metering Service')
    .version('0.1.0')
    .showHelpAfterError();

  addServeCommand(program);
  addFaultCommands(program);

  withAdmin(
    program
      .command('subscribe')
      .description(
        'subscribe a buyer to a SaaS product as AWS Marketplace does: mint a registration token and form-POST it to the fulfillment URL',
      )
      .requiredOption('--product <code>', 'product code')
      .requiredOption('--customer <accountId>', 'buyer AWS account id')
      .option('--fulfillment-url <url>', "post here instead of the product's fulfillment URL")
      .option('--free-trial', 'also send x-amzn-marketplace-offer-type=free-trial'),
  ).action(async (opts) => print(await subscribe(conn(opts), opts)));

  const audit = program.command('audit').description('the CloudTrail-format audit trail');
  withAdmin(
    audit
      .command('export')
      .description('write audit events as gzip-compressed CloudTrail log files')
      .requiredOption('--out <dir>', 'output directory')
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
      if (page.events.length < 1000 || !page.nextToken) break;
      after = page.nextToken;
    }
    const files = await writeCloudTrailFiles(opts.out, events);
    print({ events: events.length, files });
  });
  withAdmin(
    audit
      .command('list')
      .description('list audit events')
      .option('--event-name <name>')
      .option('--account-id <id>')
      .option('--start-time <time>')
      .option('--end-time <time>')
      .option('--limit <n>', 'page size', '100'),
  ).action(async (opts) => {
    const query = queryOf(opts, EVENT_FILTERS, { limit: opts.limit });
    print(await adminRequest(conn(opts), 'GET', `/events?${query}`));
  });

  const catalog = program.command('catalog').description('the whole catalog');
  withAdmin(
    catalog
      .command('apply')
      .argument('<file>', 'catalog file (YAML or JSON)')
      .description('apply a catalog file to a running meterd'),
  ).action(async (file: string, opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/catalog', parseYaml(await readFile(file, 'utf8'))),
    ),
  );
  withAdmin(
    catalog.command('export').description('print the catalog (with secrets) as JSON'),
  ).action(async (opts) => print(await adminRequest(conn(opts), 'GET', '/catalog')));

  const accounts = program.command('accounts').description('AWS accounts and their access keys');
  withAdmin(accounts.command('list')).action(async (opts) =>
    print(await adminRequest(conn(opts), 'GET', '/accounts')),
  );
  withAdmin(
    accounts
      .command('create')
      .description('create an account with one generated access key')
      .option('--account-id <id>', '12-digit account id (generated when absent)')
      .option('--name <name>')
      .option('--region <region>', 'region of the resource holding the key'),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/accounts', {
        ...(opts.accountId ? { accountId: opts.accountId } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        accessKeys: [opts.region ? { region: opts.region } : {}],
      }),
    ),
  );
  withAdmin(
    accounts
      .command('add-key')
      .description('add an access key to an account (an instance, task or pod of a buyer)')
      .requiredOption('--account-id <id>')
      .option('--access-key-id <id>')
      .option('--secret-access-key <secret>')
      .option('--session-token <token>', 'make it temporary credentials')
      .option('--region <region>', 'region of the resource holding the key'),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', `/accounts/${opts.accountId}/access-keys`, {
        ...(opts.accessKeyId ? { accessKeyId: opts.accessKeyId } : {}),
        ...(opts.secretAccessKey ? { secretAccessKey: opts.secretAccessKey } : {}),
        ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}),
        ...(opts.region ? { region: opts.region } : {}),
      }),
    ),
  );
  withAdmin(accounts.command('delete-key').argument('<accessKeyId>')).action(
    async (id: string, opts) => {
      await adminRequest(conn(opts), 'DELETE', `/access-keys/${encodeURIComponent(id)}`);
      print({ deleted: id });
    },
  );

  const products = program.command('products').description('products');
  withAdmin(products.command('list')).action(async (opts) =>
    print(await adminRequest(conn(opts), 'GET', '/products')),
  );
  withAdmin(
    products
      .command('put')
      .description('create or update a product')
      .requiredOption('--product-code <code>')
      .requiredOption('--seller <accountId>')
      .requiredOption('--type <type>', 'saas | ami | container')
      .requiredOption('--dimensions <names>', 'comma-separated dimension names')
      .option('--fulfillment-url <url>')
      .option('--meter-usage-mode <mode>', 'hourly | continuous')
      .option('--public-key-versions <versions>', 'comma-separated (container products)'),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'PUT', `/products/${encodeURIComponent(opts.productCode)}`, {
        sellerAccountId: opts.seller,
        type: opts.type,
        dimensions: String(opts.dimensions).split(','),
        ...(opts.fulfillmentUrl ? { fulfillmentUrl: opts.fulfillmentUrl } : {}),
        ...(opts.meterUsageMode ? { meterUsageMode: opts.meterUsageMode } : {}),
        ...(opts.publicKeyVersions
          ? { publicKeyVersions: String(opts.publicKeyVersions).split(',').map(Number) }
          : {}),
      }),
    ),
  );

  const agreements = program
    .command('agreements')
    .description('agreements between buyers and products');
  withAdmin(
    agreements.command('list').option('--product-code <code>').option('--customer <accountId>'),
  ).action(async (opts) => {
    const query = queryOf(opts, { productCode: 'productCode', customer: 'customerAWSAccountId' });
    print(await adminRequest(conn(opts), 'GET', `/agreements?${query}`));
  });
  withAdmin(
    agreements
      .command('create')
      .requiredOption('--product-code <code>')
      .requiredOption('--customer <accountId>')
      .option('--customer-identifier <id>')
      .option('--license-arn <arn>')
      .option('--status <status>', 'active | unsubscribed | suspended'),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/agreements', {
        productCode: opts.productCode,
        customerAWSAccountId: opts.customer,
        ...(opts.customerIdentifier ? { customerIdentifier: opts.customerIdentifier } : {}),
        ...(opts.licenseArn ? { licenseArn: opts.licenseArn } : {}),
        ...(opts.status ? { status: opts.status } : {}),
      }),
    ),
  );
  withAdmin(
    agreements
      .command('set-status')
      .argument('<licenseArn>')
      .argument('<status>', 'active | unsubscribed | suspended')
      .option('--ended-at <time>', 'ISO-8601 end time (unsubscribed)'),
  ).action(async (arn: string, status: string, opts) =>
    print(
      await adminRequest(conn(opts), 'PATCH', `/agreements/${encodeURIComponent(arn)}`, {
        status,
        ...(opts.endedAt ? { endedAt: opts.endedAt } : {}),
      }),
    ),
  );

  const tokens = program.command('tokens').description('registration tokens');
  withAdmin(
    tokens
      .command('create')
      .requiredOption('--product <code>')
      .requiredOption('--customer <accountId>'),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/registration-tokens', {
        productCode: opts.product,
        customerAWSAccountId: opts.customer,
      }),
    ),
  );

  const keys = program.command('keys').description('keys that sign RegisterUsage answers');
  withAdmin(keys.command('list')).action(async (opts) =>
    print(await adminRequest(conn(opts), 'GET', '/signing-keys')),
  );
  withAdmin(
    keys
      .command('rotate')
      .description('create a new key version; the previous one expires after the grace period')
      .option(
        '--grace <seconds>',
        'how long the previous version stays current',
        integer('grace'),
        DEFAULT_ROTATION_GRACE_SECONDS,
      ),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/signing-keys/rotate', {
        previousKeyGraceSeconds: opts.grace,
      }),
    ),
  );

  const usage = program.command('usage').description('usage reports');
  withAdmin(
    usage
      .command('list')
      .option('--product-code <code>')
      .option('--customer <accountId>')
      .option('--dimension <name>')
      .option('--operation <name>', 'BatchMeterUsage | MeterUsage')
      .option('--start-time <time>')
      .option('--end-time <time>')
      .option('--limit <n>', 'page size', '100'),
  ).action(async (opts) => {
    const query = queryOf(
      opts,
      {
        productCode: 'productCode',
        customer: 'customerAWSAccountId',
        dimension: 'dimension',
        operation: 'operation',
        startTime: 'startTime',
        endTime: 'endTime',
      },
      { limit: opts.limit },
    );
    print(await adminRequest(conn(opts), 'GET', `/usage?${query}`));
  });

  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof AdminApiError)
      process.stderr.write(`meterd: ${error.code}: ${error.message}\n`);
    else process.stderr.write(`meterd: ${(error as Error).message}\n`);
    process.exit(1);
  });
