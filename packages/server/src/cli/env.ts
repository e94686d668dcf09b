/**
 * @module Flag values as people write them, whether on the command line or in a METERD_*
 * environment variable: booleans (`1/0`, `true/false`, `yes/no`, `on/off`) and ports. A value
 * outside them is refused when the command line is parsed, before anything starts, and commander
 * names the flag or the variable it came from.
 */

import { InvalidArgumentError, Option } from 'commander';

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/**
 * Parses a boolean as written by hand, case-insensitively; throws (for commander) otherwise.
 * @example parseBoolean('Yes') // true
 */
export function parseBoolean(value: string): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE.includes(word)) return true;
  if (FALSE.includes(word)) return false;
  throw new InvalidArgumentError(
    `accepted values: ${TRUE.join(', ')} (true) and ${FALSE.join(', ')} (false), in any case`,
  );
}

/**
 * A boolean flag that is also the environment variable `env`: the flag alone means true, and
 * `--flag false` or `env=no` mean false. Commander's own boolean flags take any value of their
 * variable as true.
 * @example booleanOption('--insecure-skip-signature-verification', 'METERD_INSECURE_SKIP_SIGNATURE_VERIFICATION', 'help')
 */
export function booleanOption(flag: string, env: string, help: string): Option {
  return new Option(`${flag} [boolean]`, `${help} (1/0, true/false, yes/no, on/off)`)
    .env(env)
    .preset('true')
    .default(false)
    .argParser(parseBoolean);
}

/**
 * Parses a TCP port: a whole number from 0 (any free port) to 65535.
 * @example parsePort('9400') // 9400
 */
export function parsePort(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 (any free port) to 65535');
  return n;
}
