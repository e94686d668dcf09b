#!/usr/bin/env node
/**
 * @module The `meterd` command: `serve` runs the service; the other subcommands drive a running
 * meterd through its admin API. Every flag can also be set as a METERD_* environment variable.
 */

import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { writeCloudTrailFiles } from '../audit/export.js';
import { DEFAULT_ROTATION_GRACE_SECONDS } from '../catalog/signing-keys.js';
import type { AuditEvent } from '../audit/event.js';
import { DEFAULT_LIMITS, flagOf, type Limits } from '../http/limits.js';
import { startServer } from '../server.js';
import { DEFAULT_POSTGRES_TIMEOUTS } from '../storage/postgres/store.js';
import { AdminApiError, adminRequest, type AdminConnection } from './admin-client.js';
import { subscribe } from './subscribe.js';

const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

// The HTTP resource limits of `meterd serve`: [key of Limits (the flag is its kebab case),
// placeholder, help]. Each is also METERD_ and the flag in upper snake case.
const LIMIT_FLAGS: Array<[keyof Limits, string, string]> = [
  ['maxHeaderSize', 'bytes', 'largest request head (request line and headers); larger: 431'],
  ['headersTimeout', 'ms', 'time a client has to send the request head; 0: none'],
  ['requestTimeout', 'ms', 'time a client has to send the whole request; 0: none'],
  ['keepAliveTimeout', 'ms', 'time an idle keep-alive connection waits for its next request'],
  ['idleTimeout', 'ms', 'socket inactivity after which a connection is closed; 0: none'],
  ['maxConnections', 'n', 'open connections; further ones are closed at once; 0: no limit'],
  ['maxInFlight', 'n', 'requests in flight; further ones get ThrottlingException; 0: no limit'],
];

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Adds the options that locate a running meterd's admin API. */
function withAdmin(command: Command): Command {
  return command
    .addOption(
      new Option('--url <url>', 'base URL of a running meterd')
        .env('METERD_URL')
        .default('http://127.0.0.1:9400'),
    )
    .addOption(
      new Option('--admin-token <token>', 'admin API bearer token')
        .env('METERD_ADMIN_TOKEN')
        .makeOptionMandatory(),
    );
}

/** The admin API query of a list command: `params` maps option names to query names. */
function queryOf(
  opts: Record<string, unknown>,
  params: Record<string, string>,
  extra: Record<string, string> = {},
): URLSearchParams {
  const query = new URLSearchParams(extra);
  for (const [option, name] of Object.entries(params))
    if (typeof opts[option] === 'string' && opts[option]) query.set(name, opts[option]);
  return query;
}

const EVENT_FILTERS = {
  eventName: 'eventName',
  accountId: 'accountId',
  startTime: 'startTime',
  endTime: 'endTime',
};

const conn = (opts: { url: string; adminToken: string }): AdminConnection => ({
  url: opts.url,
  adminToken: opts.adminToken,
});

/**
 * Builds the `meterd` program.
 * @example buildProgram().parseAsync(['node', 'meterd', 'serve', '--port', '9400'])
 */
export function buildProgram(): Command {
  const program = new Command('meterd')
    .description('A self-hostable, wire-compatible AWS Marketplace Metering Service')
    .version('0.1.0')
    .showHelpAfterError();

  const serve = program
    .command('serve')
    .description('run the metering service')
    .addOption(
      new Option('--port <port>', 'port to listen on')
        .env('METERD_PORT')
        .default(9400)
        .argParser(integer('port')),
    )
    .addOption(
      new Option('--host <host>', 'address to listen on').env('METERD_HOST').default('127.0.0.1'),
    )
    .addOption(
      new Option('--data <dir>', 'directory of the embedded SQLite database')
        .env('METERD_DATA')
        .default('.data'),
    )
    .addOption(
      new Option('--database-url <url>', 'PostgreSQL URL instead of the embedded database').env(
        'METERD_DATABASE_URL',
      ),
    )
    .addOption(
      new Option(
        '--database-statement-timeout-ms <ms>',
        'PostgreSQL: time a statement may run (the client gives up 1 s later); longer: ThrottlingException; 0: none',
      )
        .env('METERD_DATABASE_STATEMENT_TIMEOUT_MS')
        .default(DEFAULT_POSTGRES_TIMEOUTS.statementTimeoutMs)
        .argParser(integer('database-statement-timeout-ms')),
    )
    .addOption(
      new Option(
        '--database-connect-timeout-ms <ms>',
        'PostgreSQL: time to get a connection; longer: ThrottlingException; 0: none',
      )
        .env('METERD_DATABASE_CONNECT_TIMEOUT_MS')
        .default(DEFAULT_POSTGRES_TIMEOUTS.connectTimeoutMs)
        .argParser(integer('database-connect-timeout-ms')),
    )
    .addOption(
      new Option('--catalog <file>', 'catalog file (YAML or JSON) applied at start').env(
        'METERD_CATALOG',
      ),
    )
    .addOption(
      new Option(
        '--admin-token <token>',
        'admin API bearer token (generated and printed when absent)',
      ).env('METERD_ADMIN_TOKEN'),
    )
    .addOption(
      new Option(
        '--region <region>',
        "region this endpoint serves (default: the catalog's, else us-east-1)",
      ).env('METERD_REGION'),
    )
    .addOption(
      new Option(
        '--registration-token-ttl <seconds>',
        "lifetime of registration tokens (default: the catalog's, else 3600)",
      )
        .env('METERD_REGISTRATION_TOKEN_TTL')
        .argParser(integer('registration-token-ttl')),
    )
    .addOption(
      new Option(
        '--insecure-skip-signature-verification',
        'accept requests without checking SigV4 signatures (local development only)',
      ).env('METERD_INSECURE_SKIP_SIGNATURE_VERIFICATION'),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .env('METERD_LOG_LEVEL')
        .default('info')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    );
  for (const [key, placeholder, help] of LIMIT_FLAGS) {
    const flag = flagOf(key);
    serve.addOption(
      new Option(`${flag} <${placeholder}>`, help)
        .default(DEFAULT_LIMITS[key])
        .env(`METERD_${flag.slice(2).replaceAll('-', '_').toUpperCase()}`)
        .argParser(integer(flag.slice(2))),
    );
  }
  serve.action(async (opts) => {
    // SIGTERM or SIGINT: a graceful shutdown, then exit 0 (1 if it failed). Another signal
    // during the shutdown ends the process at once, with the code the signal itself gives.
    // Installed before meterd starts, so that a signal during start-up stops it once started
    // rather than killing it half-way.
    let server: Awaited<ReturnType<typeof startServer>> | undefined = undefined;
    let stopping: NodeJS.Signals | undefined;
    const shutdown = (running: NonNullable<typeof server>, signal: NodeJS.Signals) => {
      running.logger.info({ signal }, 'shutting down');
      running.close().then(
        () => process.exit(0),
        (error: unknown) => {
          running.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(128 + constants.signals[signal]);
      stopping = signal;
      if (server) shutdown(server, signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    server = await startServer({
      port: opts.port,
      host: opts.host,
      dataDir: opts.data,
      databaseUrl: opts.databaseUrl,
      database: {
        statementTimeoutMs: opts.databaseStatementTimeoutMs,
        connectTimeoutMs: opts.databaseConnectTimeoutMs,
      },
      catalogFile: opts.catalog,
      adminToken: opts.adminToken,
      region: opts.region,
      registrationTokenTtlSeconds: opts.registrationTokenTtl,
      verifySignatures: !opts.insecureSkipSignatureVerification,
      logLevel: opts.logLevel,
      limits: Object.fromEntries(LIMIT_FLAGS.map(([key]) => [key, opts[key]])),
    });
    if (stopping) shutdown(server, stopping);
  });

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
