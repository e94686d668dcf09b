#!/usr/bin/env node
/**
 * @module The `meterd` command: `serve` runs the service; the other subcommands (one file per
 * group in commands/) drive a running meterd through its admin API. Every flag can also be set
 * as a METERD_* environment variable.
 */

import { Command } from 'commander';
import { AdminApiError, CliError } from './admin-client.js';
import { addAccountCommands } from './commands/accounts.js';
import { addAgreementCommands } from './commands/agreements.js';
import { addCatalogCommands } from './commands/catalog.js';
import { addClockCommands } from './commands/clock.js';
import { addEntitlementCommands } from './commands/entitlements.js';
import { addForwardCommand } from './commands/forward.js';
import { addKeyCommands } from './commands/keys.js';
import { addNotificationCommands } from './commands/notifications.js';
import { addProductCommands } from './commands/products.js';
import { addReportUsageCommand } from './commands/report.js';
import { addReportCommands } from './commands/reports.js';
import { addSubscriptionCommands } from './commands/subscriptions.js';
import { addFaultCommands } from './faults.js';
import { checkRequired } from './options.js';
import { addServeCommand } from './serve.js';

/**
 * Builds the `meterd` program.
 * @example buildProgram().parseAsync(['node', 'meterd', 'serve', '--port', '9400'])
 */
export function buildProgram(): Command {
  const program = new Command('meterd')
    .description('A self-hostable, wire-compatible AWS Marketplace Metering Service')
    .version('0.1.0')
    .showHelpAfterError('(add --help for the flags)')
    .showSuggestionAfterError();
  checkRequired(program);

  addServeCommand(program);
  addFaultCommands(program);
  addSubscriptionCommands(program);
  addNotificationCommands(program);
  addReportCommands(program);
  addReportUsageCommand(program);
  addCatalogCommands(program);
  addAccountCommands(program);
  addProductCommands(program);
  addAgreementCommands(program);
  addEntitlementCommands(program);
  addKeyCommands(program);
  addClockCommands(program);
  addForwardCommand(program);
  return program;
}

/** What a failed command prints: the admin API's code and message, or the problem in words. */
function describe(error: unknown): string {
  if (error instanceof AdminApiError && error.code === 'AlreadyExists') {
    const put = error.message.startsWith('access key') ? 'put-key' : 'put';
    return `${error.code}: ${error.message} (\`${put}\` replaces it)`;
  }
  if (error instanceof AdminApiError) return `${error.code}: ${error.message}`;
  if (error instanceof CliError) return error.message;
  return (error as Error).message;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`meterd: ${describe(error)}\n`);
    process.exit(1);
  });
