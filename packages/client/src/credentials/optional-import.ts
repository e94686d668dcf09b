/**
 * @module Loads an optional (CommonJS) package, telling "not installed" apart from a broken install.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads `name`, or returns `undefined` when it is not installed.
 *
 * @example
 * const ini = await importOptional<{ fromIni: unknown }>('@aws-sdk/credential-provider-ini');
 */
export async function importOptional<T>(name: string): Promise<T | undefined> {
  try {
    return require(name) as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && (err as Error).message.includes(`'${name}'`))
      return undefined;
    throw err;
  }
}
