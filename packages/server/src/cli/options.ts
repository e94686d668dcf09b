/**
 * @module What the `meterd` subcommands share: argument parsers, output, required and renamed
 * flags, the options that locate a running meterd's admin API, and paging. Flags are the AWS
 * CLI's kebab case of the admin API's member names (`customerAWSAccountId` →
 * `--customer-aws-account-id`).
 */

import { InvalidArgumentError, Option, type Command } from 'commander';
import { adminRequest, type AdminConnection } from './admin-client.js';

export const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

/** A whole number of at least 1 (a page size, a number of items). */
export const positive = (name: string) => (value: string) => {
  const n = integer(name)(value);
  if (n < 1) throw new InvalidArgumentError(`${name} must be at least 1`);
  return n;
};

/** A number of seconds, negative or fractional too (a clock's advance). */
export const seconds = (name: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`${name} must be a number of seconds`);
  return n;
};

/** An ISO 8601 time with its zone, passed on as written (the admin API checks it). */
export const isoTime = (name: string) => (value: string) => {
  if (
    !/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  )
    throw new InvalidArgumentError(
      `${name} must be an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z`,
    );
  return value;
};

export const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

const REQUIRED = new WeakSet<Option>();

/**
 * A flag that must be given, marked "(required)" in help. It is checked after the flags are
 * parsed (in `checkRequired`), so that an unknown flag is named first: `--product` given for
 * `--product-code` says that `--product` is unknown, not that `--product-code` is missing.
 * @example command.addOption(required('--product-code <code>', 'product code'))
 */
export function required(flags: string, description: string): Option {
  const option = new Option(flags, `${description} (required)`);
  REQUIRED.add(option);
  return option;
}

/** Installs the check of `required` flags, before every action of `program`. */
export function checkRequired(program: Command): void {
  program.hook('preAction', (_program, action) => {
    const missing = action.options.filter(
      (o) => REQUIRED.has(o) && action.getOptionValue(o.attributeName()) === undefined,
    );
    if (missing.length > 0)
      action.error(
        `error: required option${missing.length > 1 ? 's' : ''} ${missing.map((o) => `'${o.flags}'`).join(', ')} not specified`,
        { code: 'commander.missingMandatoryOptionValue' },
      );
  });
}

/** Adds a hidden flag that was renamed: giving it says what it is called now. */
export function renamed(command: Command, before: string, now: string): Command {
  command.addOption(new Option(`${before} [value]`).hideHelp());
  const name = before.replace(/^--/, '');
  return command.on(`option:${name}`, () =>
    command.error(`error: option '${before}' is now '${now}'`, {
      code: 'commander.unknownOption',
    }),
  );
}

/** Adds the options that locate a running meterd's admin API. */
export function withAdmin(command: Command): Command {
  return command
    .addOption(
      new Option('--url <url>', 'base URL of a running meterd')
        .env('METERD_URL')
        .default('http://127.0.0.1:9400'),
    )
    .addOption(
      new Option('--admin-token <token>', 'admin API bearer token (required)')
        .env('METERD_ADMIN_TOKEN')
        .makeOptionMandatory(),
    );
}

/** The admin API query of a list command: `params` maps option names to query names. */
export function queryOf(
  opts: Record<string, unknown>,
  params: Record<string, string>,
  extra: Record<string, string> = {},
): URLSearchParams {
  const query = new URLSearchParams(extra);
  for (const [option, name] of Object.entries(params))
    if (typeof opts[option] === 'string' && opts[option]) query.set(name, opts[option]);
  return query;
}

export const EVENT_FILTERS = {
  eventName: 'eventName',
  accountId: 'accountId',
  startTime: 'startTime',
  endTime: 'endTime',
};

export const conn = (opts: { url: string; adminToken: string }): AdminConnection => ({
  url: opts.url,
  adminToken: opts.adminToken,
});

/** Adds the paging flags of a list command (named as the AWS CLI's, see `listPages`). */
export function withPaging(command: Command): Command {
  return renamed(
    command
      .addOption(
        new Option('--page-size <n>', 'items per request (1-1000)')
          .default(100)
          .argParser(positive('page-size')),
      )
      .option('--next-token <token>', 'start where a previous page ended (its nextToken)')
      .option('--all', 'follow nextToken to the last page and print every item at once')
      .addOption(
        new Option(
          '--max-items <n>',
          'follow nextToken until this many items; prints a nextToken when more remain',
        ).argParser(positive('max-items')),
      ),
    '--limit',
    '--page-size',
  );
}

export interface PagingOptions {
  pageSize: number;
  nextToken?: string;
  all?: boolean;
  maxItems?: number;
}

/**
 * Reads a list route: one page by default; with `--all` every page, merged into one answer;
 * with `--max-items` up to that many items, and a `nextToken` when more remain. The admin API
 * takes the token back as `after`.
 * @example await listPages(conn, '/usage', 'records', query, { pageSize: 100, all: true })
 */
export async function listPages(
  connection: AdminConnection,
  path: string,
  key: string,
  query: URLSearchParams,
  paging: PagingOptions,
): Promise<Record<string, unknown>> {
  const items: unknown[] = [];
  let token = paging.nextToken;
  const follow = paging.all === true || paging.maxItems !== undefined;
  for (;;) {
    const left = paging.maxItems === undefined ? Infinity : paging.maxItems - items.length;
    const page = new URLSearchParams(query);
    page.set('limit', String(Math.min(paging.pageSize, left)));
    if (token) page.set('after', token);
    const answer = await adminRequest<Record<string, unknown> & { nextToken?: string }>(
      connection,
      'GET',
      `${path}?${page}`,
    );
    items.push(...((answer[key] as unknown[] | undefined) ?? []));
    token = answer.nextToken;
    if (!follow || !token || items.length >= (paging.maxItems ?? Infinity)) break;
  }
  return { [key]: items, ...(token ? { nextToken: token } : {}) };
}
