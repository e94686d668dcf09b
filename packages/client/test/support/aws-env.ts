/**
 * @module Gives each test a clean AWS environment: no AWS_* variables, empty profile files, no instance metadata.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A clean environment for one test, with helpers to write profile files. */
export interface AwsEnv {
  dir: string;
  /** Writes the shared credentials file (AWS_SHARED_CREDENTIALS_FILE). */
  credentialsFile(text: string): void;
  /** Writes the config file (AWS_CONFIG_FILE). */
  configFile(text: string): void;
  /** Puts the environment back as it was. */
  restore(): void;
}

/**
 * Clears every AWS_* variable, points the profile files at an empty temporary folder and
 * turns instance metadata off, so that no test reads the machine's own AWS setup or reaches
 * beyond 127.0.0.1.
 *
 * @example
 * const env = cleanAwsEnv();
 * try { ... } finally { env.restore(); }
 */
export function cleanAwsEnv(): AwsEnv {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  const dir = mkdtempSync(join(tmpdir(), 'meterd-client-test-'));
  const credentials = join(dir, 'credentials');
  const config = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
  process.env.AWS_CONFIG_FILE = config;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  return {
    dir,
    credentialsFile: (text) => writeFileSync(credentials, text),
    configFile: (text) => writeFileSync(config, text),
    restore() {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
