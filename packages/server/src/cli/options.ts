/**
 * @module What the `meterd` subcommands share: argument parsers, output, and the options that
 * locate a running meterd's admin API.
 */

import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AdminConnection } from './admin-client.js';

export const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a whole number`);
  return n;
};

export const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Adds the options that locate a running meterd's admin API. */
export function withAdmin(command: Command): Command {
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
