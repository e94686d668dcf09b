/**
 * @module `meterd forward`: the durable path to AWS Marketplace (the `@meterd/forwarder` package,
 * bundled in meterd and loaded when the command runs). `meterd forward` runs the sidecar; `forward reconcile`,
 * `forward dead-letters` and `forward retry` drive a running one through its API. Every flag is
 * also a METERD_FORWARD_* environment variable; the token is read from `--token-file` or
 * `METERD_FORWARD_TOKEN` rather than the command line where possible.
 */

import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError, unreachable } from '../admin-client.js';
import { integer, print } from '../options.js';

import type * as ForwarderModule from '@meterd/forwarder';

type Forwarder = typeof ForwarderModule;

async function loadForwarder(): Promise<Forwarder> {
  try {
    return await import('@meterd/forwarder');
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND')
      throw new CliError(
        'meterd forward needs the @meterd/forwarder package that meterd bundles: install meterd again',
      );
    throw err;
  }
}

const positiveNumber = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be above 0`);
  return n;
};

/** The token: `--token`, else the file of `--token-file` (its first line). */
function tokenOf(opts: { token?: string; tokenFile?: string }): string {
  if (opts.token) return opts.token;
  if (opts.tokenFile) {
    let text: string;
    try {
      text = readFileSync(opts.tokenFile, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read --token-file ${opts.tokenFile}: ${(err as Error).message}`);
    }
    const token = text.split(/\r?\n/)[0]!.trim();
    if (token) return token;
    throw new CliError(`--token-file ${opts.tokenFile} is empty`);
  }
  throw new CliError('a token is required: --token-file FILE or METERD_FORWARD_TOKEN (or --token)');
}

const tokenOptions = (command: Command) =>
  command
    .addOption(
      new Option('--token <token>', 'bearer token of the forwarder API').env(
        'METERD_FORWARD_TOKEN',
      ),
    )
    .addOption(
      new Option('--token-file <file>', 'file whose first line is the token').env(
        'METERD_FORWARD_TOKEN_FILE',
      ),
    );

const clientOptions = (command: Command) =>
  tokenOptions(command).addOption(
    new Option('--url <url>', 'base URL of a running meterd forward')
      .env('METERD_FORWARD_URL')
      .default('http://127.0.0.1:9500'),
  );

async function call(
  opts: { url: string; token?: string; tokenFile?: string },
  method: string,
  path: string,
): Promise<Response> {
  const token = tokenOf(opts);
  let res: Response;
  try {
    res = await fetch(new URL(path, opts.url), {
      method,
      headers: { authorization: `Bearer ${token}` },
    });
  } catch (err) {
    throw new CliError(
      `cannot reach meterd forward at ${opts.url} (${unreachable(err)}): start it, or pass --url`,
    );
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string };
    };
    throw new CliError(
      `${body.error?.code ?? res.status}: ${body.error?.message ?? res.statusText}`,
    );
  }
  return res;
}

/**
 * Adds `forward` and its subcommands to the program.
 * @example addForwardCommand(program) // meterd forward --data ./fwd --target-endpoint http://127.0.0.1:9400
 */
export function addForwardCommand(program: Command): void {
  const forward = tokenOptions(
    program
      .command('forward')
      .description(
        'take usage events over HTTP and forward them to AWS Marketplace (or a meterd) as hourly BatchMeterUsage records, each billed once or dead-lettered',
      )
      .addOption(
        new Option('--data <dir>', 'directory of its SQLite database')
          .env('METERD_FORWARD_DATA')
          .default('.forward-data'),
      )
      .addOption(
        new Option(
          '--database-url <url>',
          'a PostgreSQL database shared by several forwarders, instead of --data (prefer METERD_FORWARD_DATABASE_URL: the URL may hold a password)',
        ).env('METERD_FORWARD_DATABASE_URL'),
      )
      .addOption(
        new Option(
          '--instance <name>',
          'this forwarder among those sharing --database-url (unique; a restart under the same name resumes its claims)',
        ).env('METERD_FORWARD_INSTANCE'),
      )
      .addOption(
        new Option('--port <port>', 'port to listen on')
          .env('METERD_FORWARD_PORT')
          .default(9500)
          .argParser(integer('port')),
      )
      .addOption(
        new Option('--host <host>', 'address to listen on')
          .env('METERD_FORWARD_HOST')
          .default('127.0.0.1'),
      )
      .addOption(
        new Option(
          '--target-endpoint <url>',
          "where records are sent; default the region's AWS endpoint",
        ).env('METERD_FORWARD_TARGET_ENDPOINT'),
      )
      .addOption(
        new Option('--region <region>', 'AWS Region of the target (else AWS_REGION, ...)').env(
          'METERD_FORWARD_REGION',
        ),
      )
      .addOption(
        new Option('--close-after-seconds <s>', 'an hour closes this long after it ends')
          .env('METERD_FORWARD_CLOSE_AFTER_SECONDS')
          .default(600)
          .argParser(integer('close-after-seconds')),
      )
      .addOption(
        new Option('--late-events <policy>', 'events for a frozen hour')
          .env('METERD_FORWARD_LATE_EVENTS')
          .choices(['next-hour', 'dead-letter'])
          .default('next-hour'),
      )
      .addOption(
        new Option(
          '--send-zero',
          'send zero records for customers and dimensions seen in the last 7 days',
        ).env('METERD_FORWARD_SEND_ZERO'),
      )
      .addOption(
        new Option(
          '--alarm-after-seconds <s>',
          'alarm when an hour is not accepted this long after it ends',
        )
          .env('METERD_FORWARD_ALARM_AFTER_SECONDS')
          .default(10_800)
          .argParser(integer('alarm-after-seconds')),
      )
      .addOption(
        new Option('--dedupe-window-seconds <s>', 'event ids are deduplicated this long')
          .env('METERD_FORWARD_DEDUPE_WINDOW_SECONDS')
          .default(604_800)
          .argParser(integer('dedupe-window-seconds')),
      )
      .addOption(
        new Option('--rate <calls>', 'BatchMeterUsage calls a second at most')
          .env('METERD_FORWARD_RATE')
          .default(10)
          .argParser(positiveNumber('rate')),
      )
      .addOption(
        new Option('--concurrency <n>', 'calls in flight at once')
          .env('METERD_FORWARD_CONCURRENCY')
          .default(4)
          .argParser(integer('concurrency')),
      )
      .addOption(
        new Option('--log-level <level>', 'pino log level')
          .env('METERD_FORWARD_LOG_LEVEL')
          .default('info'),
      ),
  ).action(async (opts) => {
    const token = tokenOf(opts);
    const { runForwarder } = await loadForwarder();
    const running = await runForwarder({
      dataDir: opts.data,
      ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
      ...(opts.instance ? { instance: opts.instance } : {}),
      port: opts.port,
      host: opts.host,
      token,
      ...(opts.targetEndpoint ? { targetEndpoint: opts.targetEndpoint } : {}),
      ...(opts.region ? { region: opts.region } : {}),
      closeAfterSeconds: opts.closeAfterSeconds,
      latePolicy: opts.lateEvents,
      sendZero: Boolean(opts.sendZero),
      alarmAfterSeconds: opts.alarmAfterSeconds,
      dedupeWindowSeconds: opts.dedupeWindowSeconds,
      rate: opts.rate,
      concurrency: Math.max(1, opts.concurrency),
      logLevel: opts.logLevel,
    });
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(128 + constants.signals[signal]);
      stopping = true;
      running.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          running.logger.error({ err }, 'stop failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

  clientOptions(
    forward
      .command('reconcile')
      .description(
        'per hour × product × customer × dimension: ingested, sent, accepted, dead-lettered and pending quantities',
      )
      .option('--from <time>', 'first hour, ISO-8601 or epoch seconds')
      .option('--to <time>', 'end (exclusive), ISO-8601 or epoch seconds')
      .option('--product-code <code>', 'only this product')
      .addOption(
        new Option('--format <format>', 'output').choices(['json', 'csv']).default('json'),
      ),
  ).action(async (opts) => {
    const q = new URLSearchParams({ format: opts.format });
    if (opts.from) q.set('from', opts.from);
    if (opts.to) q.set('to', opts.to);
    if (opts.productCode) q.set('productCode', opts.productCode);
    const res = await call(opts, 'GET', `/v1/reconciliation?${q}`);
    if (opts.format === 'csv') process.stdout.write(await res.text());
    else print(await res.json());
  });

  clientOptions(
    forward.command('dead-letters').description('records and late events that were not billed'),
  ).action(async (opts) => print(await (await call(opts, 'GET', '/v1/dead-letters')).json()));

  clientOptions(
    forward
      .command('retry')
      .description('send a dead-lettered record again (a late event: into the open hour)')
      .argument('<id>', 'the dead letter id (r… or e…)'),
  ).action(async (id: string, opts) =>
    print(
      await (await call(opts, 'POST', `/v1/dead-letters/${encodeURIComponent(id)}/retry`)).json(),
    ),
  );
}
