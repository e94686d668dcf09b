/**
 * @module `meterd faults …`: the fault rules of a running meterd, through its admin API
 * (/admin/v1/faults, LocalStack's Chaos API verbs): list, set (replace from a file), add (a rule
 * from flags, or the rules of a file), remove one by id, clear.
 */

import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { ruleId, type FaultRule } from '../domain/faults.js';
import { adminRequest } from './admin-client.js';
import { conn, integer, print, withAdmin } from './options.js';

const share = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError(`${name} must be a number from 0 to 1`);
  return n;
};

/** The rules of a file: a JSON or YAML list, or a catalog-like document's `faults:`. */
async function rulesIn(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  const value: unknown = text.trimStart().startsWith('[') ? JSON.parse(text) : parseYaml(text);
  if (value && typeof value === 'object' && !Array.isArray(value) && 'faults' in value)
    return (value as { faults: unknown }).faults;
  return value;
}

const withIds = (rules: FaultRule[]) => rules.map((r) => ({ id: ruleId(r), ...r }));

type AddOptions = Record<string, string | number | boolean | undefined>;

function ruleOf(opts: AddOptions): FaultRule {
  const rule: Record<string, unknown> = {};
  for (const key of [
    'id',
    'region',
    'service',
    'operation',
    'accountId',
    'accessKeyId',
    'productCode',
    'probability',
    'latencyMs',
    'unprocessedShare',
    'times',
    'seed',
  ])
    if (opts[key] !== undefined) rule[key] = opts[key];
  if (opts.dropConnection) rule.dropConnection = true;
  if (opts.error !== undefined || opts.status !== undefined || opts.message !== undefined)
    rule.error = {
      ...(opts.error !== undefined ? { code: opts.error } : {}),
      ...(opts.status !== undefined ? { statusCode: opts.status } : {}),
      ...(opts.message !== undefined ? { message: opts.message } : {}),
    };
  return rule as FaultRule;
}

/**
 * Adds the `faults` command group to the program.
 * @example
 * // meterd faults add --operation BatchMeterUsage --error ThrottlingException --times 2
 * addFaultCommands(program);
 */
export function addFaultCommands(program: Command): void {
  const faults = program
    .command('faults')
    .description('fault rules: errors, delays, dropped connections, records handed back');
  withAdmin(faults.command('list').description('the rules in force, with their ids')).action(
    async (opts) => print(withIds(await adminRequest(conn(opts), 'GET', '/faults'))),
  );
  withAdmin(
    faults
      .command('set <file>')
      .description('replace every rule with those of a JSON or YAML file (a list, or faults:)'),
  ).action(async (file: string, opts) =>
    print(withIds(await adminRequest(conn(opts), 'POST', '/faults', await rulesIn(file)))),
  );
  withAdmin(
    faults
      .command('add [file]')
      .description('append a rule made of the flags, or the rules of a file')
      .option('--id <id>', 'the rule id shown in the audit trail and the metrics')
      .option('--operation <name>', 'only calls of this operation')
      .option('--region <region>', 'only calls to this region')
      .option('--service <name>', 'only calls to this service (e.g. meteringmarketplace)')
      .option('--account-id <id>', "only this caller account's calls")
      .option('--access-key-id <id>', "only this access key's calls")
      .option('--product-code <code>', 'only calls for this product')
      .option(
        '--probability <p>',
        'chance a matching call gets the fault (0 to 1)',
        share('probability'),
      )
      .option('--error <code>', 'the error answered (an AWS error name)')
      .option('--status <code>', 'its HTTP status', integer('status'))
      .option('--message <text>', 'its message')
      .option('--latency-ms <ms>', 'delay the call', integer('latency-ms'))
      .option('--drop-connection', 'close the connection without an answer')
      .option(
        '--unprocessed-share <share>',
        'BatchMeterUsage: hand back this share of the records unprocessed',
        share('unprocessed-share'),
      )
      .option('--times <n>', 'stop after this many faults', integer('times'))
      .option('--seed <n>', "seed of the rule's random sequence", integer('seed')),
  ).action(
    async (file: string | undefined, opts: AddOptions & { url: string; adminToken: string }) => {
      const rules = file ? await rulesIn(file) : [ruleOf(opts)];
      print(withIds(await adminRequest(conn(opts), 'PATCH', '/faults', rules)));
    },
  );
  withAdmin(faults.command('remove <id>').description('remove the rule of this id')).action(
    async (id: string, opts) =>
      print(withIds(await adminRequest(conn(opts), 'DELETE', `/faults/${encodeURIComponent(id)}`))),
  );
  withAdmin(faults.command('clear').description('remove every rule')).action(async (opts) =>
    print(await adminRequest(conn(opts), 'POST', '/faults', [])),
  );
}
