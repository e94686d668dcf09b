/**
 * @module Reads one profile from the shared credentials and config files (`AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`).
 */
import { createRequire } from 'node:module';
import type * as ConfigModule from '@smithy/core/config';

const require = createRequire(import.meta.url);

/** One profile's settings: the credentials file's section over the config file's. */
export interface Profile {
  /** The profile's name: the one asked for, else `AWS_PROFILE`, else `default`. */
  name: string;
  /** Its keys, lower-case as in the files (`region`, `aws_access_key_id`, ...). */
  values: Readonly<Record<string, string | undefined>>;
  /** Whether either file has a section for it. */
  found: boolean;
}

/**
 * Loads a profile from the shared files, reading them afresh. A file that is missing or
 * unreadable counts as empty.
 *
 * @example
 * const profile = await loadProfile('acme-seller');
 * profile.values.region; // 'us-east-1'
 */
export async function loadProfile(
  requested: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Profile> {
  const name = requested || env.AWS_PROFILE || 'default';
  const { loadSharedConfigFiles } = require('@smithy/core/config') as typeof ConfigModule;
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  const fromConfig = configFile[name];
  const fromCredentials = credentialsFile[name];
  return {
    name,
    values: { ...fromConfig, ...fromCredentials },
    found: fromConfig !== undefined || fromCredentials !== undefined,
  };
}
