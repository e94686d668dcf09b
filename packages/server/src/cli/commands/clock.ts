/**
 * @module `meterd clock`: the clock of a meterd started with `--clock-control`, moved for tests.
 */

import type { Command } from 'commander';
import { adminRequest } from '../admin-client.js';
import { conn, isoTime, print, required, seconds, withAdmin } from '../options.js';

/**
 * Adds `clock` to the program.
 * @example addClockCommands(program) // meterd clock advance --seconds 3660
 */
export function addClockCommands(program: Command): void {
  const clock = program
    .command('clock')
    .description('the clock of a meterd started with --clock-control');
  withAdmin(clock.command('get').description('show the clock and real time')).action(async (opts) =>
    print(await adminRequest(conn(opts), 'GET', '/clock')),
  );
  withAdmin(
    clock
      .command('set')
      .description('set the clock to a time (not before real time)')
      .addOption(required('--now <time>', 'ISO 8601 time with a zone').argParser(isoTime('now'))),
  ).action(async (opts) =>
    print(await adminRequest(conn(opts), 'PUT', '/clock', { now: opts.now })),
  );
  withAdmin(
    clock
      .command('advance')
      .description('move the clock by a number of seconds (back no further than real time)')
      .addOption(required('--seconds <n>', 'seconds to move it by').argParser(seconds('seconds'))),
  ).action(async (opts) =>
    print(await adminRequest(conn(opts), 'PUT', '/clock', { advanceSeconds: opts.seconds })),
  );
  withAdmin(clock.command('reset').description('return the clock to real time')).action(
    async (opts) => print(await adminRequest(conn(opts), 'DELETE', '/clock')),
  );
}
