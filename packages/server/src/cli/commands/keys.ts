/**
 * @module `meterd keys`: the keys that sign RegisterUsage answers.
 */

import { Option, type Command } from 'commander';
import { DEFAULT_ROTATION_GRACE_SECONDS } from '../../catalog/signing-keys.js';
import { adminRequest } from '../admin-client.js';
import { conn, integer, print, withAdmin } from '../options.js';

/**
 * Adds `keys` to the program.
 * @example addKeyCommands(program) // meterd keys rotate --grace 3600
 */
export function addKeyCommands(program: Command): void {
  const keys = program.command('keys').description('keys that sign RegisterUsage answers');
  withAdmin(keys.command('list').description('list key versions (public parts)')).action(
    async (opts) => print(await adminRequest(conn(opts), 'GET', '/signing-keys')),
  );
  withAdmin(
    keys
      .command('rotate')
      .description('create a new key version; the previous one expires after the grace period')
      .addOption(
        new Option('--grace <seconds>', 'how long the previous version stays current')
          .default(DEFAULT_ROTATION_GRACE_SECONDS)
          .argParser(integer('grace')),
      ),
  ).action(async (opts) =>
    print(
      await adminRequest(conn(opts), 'POST', '/signing-keys/rotate', {
        previousKeyGraceSeconds: opts.grace,
      }),
    ),
  );
}
