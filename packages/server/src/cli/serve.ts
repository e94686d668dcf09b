/**
 * @module `meterd serve`: its flags (each also a METERD_* environment variable) and the process
 * around the server: start, and a graceful shutdown on SIGTERM or SIGINT.
 */

import { constants } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_LIMITS, flagOf, type Limits } from '../http/limits.js';
import { defaultLogFormat } from '../http/log-destination.js';
import { startServer } from '../server.js';
import { DEFAULT_POSTGRES_TIMEOUTS } from '../storage/postgres/store.js';
import { parseQuotaFlag, QuotaError } from '../domain/quotas.js';
import { DEFAULT_RETRY_POLICY } from '../notify/delivery.js';
import { booleanOption, parsePort } from './env.js';
import { integer } from './options.js';
import { startedByNpmExec, watchParent } from './parent-watch.js';

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

/** Adds `serve` to the program. */
export function addServeCommand(program: Command): void {
  const serve = program
    .command('serve')
    .description('run the metering service')
    .addOption(
      new Option('--port <port>', 'port to listen on (0: any free port)')
        .env('METERD_PORT')
        .default(9400)
        .argParser(parsePort),
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
        'admin API bearer token (default: the one kept in <data>/admin-token, generated at the first start)',
      )
        .env('METERD_ADMIN_TOKEN')
        .conflicts('adminTokenFile'),
    )
    .addOption(
      new Option(
        '--admin-token-file <file>',
        'read the admin API bearer token from this file (keeps it off the command line)',
      ).env('METERD_ADMIN_TOKEN_FILE'),
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
      booleanOption(
        '--insecure-skip-signature-verification',
        'METERD_INSECURE_SKIP_SIGNATURE_VERIFICATION',
        'accept requests without checking SigV4 signatures (local development only)',
      ),
    )
    .addOption(
      new Option(
        '--aws-quotas [overrides]',
        "enforce AWS's request quotas per account, region and operation; overrides: Operation=rate[:burst],…",
      )
        .env('METERD_AWS_QUOTAS')
        .argParser((value: string) => {
          try {
            return parseQuotaFlag(value);
          } catch (error) {
            if (error instanceof QuotaError) throw new InvalidArgumentError(error.message);
            throw error;
          }
        }),
    )
    .addOption(
      booleanOption(
        '--localstack-chaos-api',
        'METERD_LOCALSTACK_CHAOS_API',
        'serve the fault rules at /_localstack/chaos/faults too, without the admin token, as LocalStack does',
      ),
    )
    .addOption(
      booleanOption(
        '--clock-control',
        'METERD_CLOCK_CONTROL',
        'let the admin API move the clock (/admin/v1/clock, `meterd clock`), for tests',
      ),
    )
    .addOption(
      new Option(
        '--sns-https-port <port>',
        "serve meterd's SNS host (SigningCertURL, SubscribeURL, UnsubscribeURL) over HTTPS on this port; 0: any free port",
      )
        .env('METERD_SNS_HTTPS_PORT')
        .argParser(integer('sns-https-port')),
    )
    .addOption(
      new Option('--notification-poll-ms <ms>', 'how often the notification outbox is looked at')
        .env('METERD_NOTIFICATION_POLL_MS')
        .default(250)
        .argParser(integer('notification-poll-ms')),
    )
    .addOption(
      new Option(
        '--notification-retry-base-ms <ms>',
        'delay before the first retry of a notification; doubles with each retry, with jitter',
      )
        .env('METERD_NOTIFICATION_RETRY_BASE_MS')
        .default(DEFAULT_RETRY_POLICY.baseMs)
        .argParser(integer('notification-retry-base-ms')),
    )
    .addOption(
      new Option('--notification-retry-max-ms <ms>', 'longest delay between two retries')
        .env('METERD_NOTIFICATION_RETRY_MAX_MS')
        .default(DEFAULT_RETRY_POLICY.maxMs)
        .argParser(integer('notification-retry-max-ms')),
    )
    .addOption(
      new Option(
        '--notification-max-attempts <n>',
        'attempts before a notification is given up (failed)',
      )
        .env('METERD_NOTIFICATION_MAX_ATTEMPTS')
        .default(DEFAULT_RETRY_POLICY.maxAttempts)
        .argParser(integer('notification-max-attempts')),
    )
    .addOption(
      new Option(
        '--notification-lease-ms <ms>',
        "how long a notification being sent is one instance's; after it, another may send it",
      )
        .env('METERD_NOTIFICATION_LEASE_MS')
        .default(30_000)
        .argParser(integer('notification-lease-ms')),
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .env('METERD_LOG_LEVEL')
        .default('info')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'pretty (level names, local times) or json (one JSON object a line); default: pretty when standard output is a terminal, json otherwise',
      )
        .env('METERD_LOG_FORMAT')
        .choices(['pretty', 'json']),
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
    let stopping: NodeJS.Signals | 'parent exited' | undefined;
    const shutdown = (
      running: NonNullable<typeof server>,
      signal: NodeJS.Signals | 'parent exited',
    ) => {
      running.logger.info(
        signal === 'parent exited' ? { reason: signal } : { signal },
        'shutting down',
      );
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
    // Under npx, the npx process ending (SIGTERM sent to it, which it does not pass on) is a
    // signal to stop too; a terminal's Ctrl-C reaches meterd itself. Not a second signal when
    // a shutdown is already under way.
    if (startedByNpmExec())
      watchParent(() => {
        if (stopping) return;
        stopping = 'parent exited';
        if (server) shutdown(server, stopping);
      });
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
      adminTokenFile: opts.adminTokenFile,
      region: opts.region,
      registrationTokenTtlSeconds: opts.registrationTokenTtl,
      verifySignatures: !opts.insecureSkipSignatureVerification,
      logLevel: opts.logLevel,
      logFormat: opts.logFormat ?? defaultLogFormat(),
      limits: Object.fromEntries(LIMIT_FLAGS.map(([key]) => [key, opts[key]])),
      ...(opts.awsQuotas ? { awsQuotas: opts.awsQuotas === true ? {} : opts.awsQuotas } : {}),
      localstackChaosApi: Boolean(opts.localstackChaosApi),
      notifications: {
        ...(opts.snsHttpsPort !== undefined ? { snsHttpsPort: opts.snsHttpsPort } : {}),
        pollMs: opts.notificationPollMs,
        leaseMs: opts.notificationLeaseMs,
        retry: {
          baseMs: opts.notificationRetryBaseMs,
          maxMs: opts.notificationRetryMaxMs,
          maxAttempts: opts.notificationMaxAttempts,
        },
      },
      clockControl: Boolean(opts.clockControl),
    });
    if (stopping) shutdown(server, stopping);
  });
}
