/**
 * @module `meterd entitlements`: what an agreement entitles its buyer to, as GetEntitlements
 * answers it. `put` replaces the agreement's entitlements with those given; `clear` removes them.
 */

import { InvalidArgumentError, type Command } from 'commander';
import { adminRequest } from '../admin-client.js';
import { conn, print, required, withAdmin } from '../options.js';

const path = (arn: string) => `/agreements/${encodeURIComponent(arn)}/entitlements`;

type Kind = 'integerValue' | 'doubleValue' | 'booleanValue' | 'stringValue';

/** Parses `dimension=value` into one entitlement of `kind`, collecting repeats. */
const entry =
  (kind: Kind, read: (text: string) => unknown) =>
  (text: string, previous: Array<Record<string, unknown>> = []) => {
    const at = text.indexOf('=');
    if (at < 1) throw new InvalidArgumentError(`'${text}' is not <dimension>=<value>`);
    return [...previous, { dimension: text.slice(0, at), [kind]: read(text.slice(at + 1)) }];
  };

const number = (kind: string) => (text: string) => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`'${text}' is not ${kind}`);
  return n;
};
const boolean = (text: string) => {
  if (text !== 'true' && text !== 'false')
    throw new InvalidArgumentError(`'${text}' is not true or false`);
  return text === 'true';
};

/**
 * Adds `entitlements` to the program.
 * @example addEntitlementCommands(program) // meterd entitlements put --license-arn ... --integer seats=25
 */
export function addEntitlementCommands(program: Command): void {
  const entitlements = program
    .command('entitlements')
    .description("an agreement's entitlements (what GetEntitlements answers)");
  withAdmin(
    entitlements
      .command('list')
      .description("show an agreement's entitlements")
      .addOption(required('--license-arn <arn>', 'licence ARN')),
  ).action(async (opts) => print(await adminRequest(conn(opts), 'GET', path(opts.licenseArn))));
  withAdmin(
    entitlements
      .command('put')
      .description(
        "replace an agreement's entitlements: one per dimension, each flag repeatable (<dimension>=<value>)",
      )
      .addOption(required('--license-arn <arn>', 'licence ARN'))
      .option(
        '--integer <entry>',
        'a whole-number entitlement',
        entry('integerValue', number('a number')),
      )
      .option('--double <entry>', 'a decimal entitlement', entry('doubleValue', number('a number')))
      .option('--boolean <entry>', 'a true/false entitlement', entry('booleanValue', boolean))
      .option(
        '--string <entry>',
        'a text entitlement',
        entry('stringValue', (t) => t),
      )
      .option('--expiration-date <time>', 'ISO-8601 time through which the ones given hold'),
  ).action(async (opts) => {
    const given = [opts.integer, opts.double, opts.boolean, opts.string]
      .flat()
      .filter(Boolean) as Array<Record<string, unknown>>;
    const list = opts.expirationDate
      ? given.map((e) => ({ ...e, expirationDate: opts.expirationDate }))
      : given;
    print(await adminRequest(conn(opts), 'PUT', path(opts.licenseArn), { entitlements: list }));
  });
  withAdmin(
    entitlements
      .command('clear')
      .description("remove an agreement's entitlements")
      .addOption(required('--license-arn <arn>', 'licence ARN')),
  ).action(async (opts) => print(await adminRequest(conn(opts), 'DELETE', path(opts.licenseArn))));
}
