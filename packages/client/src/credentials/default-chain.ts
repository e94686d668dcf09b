/**
 * @module The default credentials chain: environment, profile files, web identity, container, instance metadata (IMDSv2).
 */
import { createRequire } from 'node:module';
import type * as EnvProvider from '@aws-sdk/credential-provider-env';
import type * as ImdsProvider from '@smithy/credential-provider-imds';
import { CredentialsError } from '../errors.js';
import type { Profile } from '../config/profile.js';
import type { Credentials } from './credentials.js';

// Each source's code is loaded on first need. The providers are CommonJS packages, loaded with
// require: importing them from ESM would have Node scan their sources for export names first.
const require = createRequire(import.meta.url);
const credentialsFromProfile = async (profile: Profile) =>
  (await import('./profile-credentials.js')).credentialsFromProfile(profile);

type Provider = () => Promise<Credentials>;

const WEB_IDENTITY_PROVIDER = '@aws-sdk/credential-provider-web-identity';

/** Wraps a provider's failure in a `CredentialsError` that names the source. */
async function fromSource(source: string, provider: Provider): Promise<Credentials> {
  try {
    return await provider();
  } catch (err) {
    throw new CredentialsError(
      `Could not get credentials from ${source}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Finds credentials in the usual AWS order. With a profile named in the options, only that
 * profile is read. Otherwise: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and
 * `AWS_SESSION_TOKEN`); then the profile `AWS_PROFILE` or `default` of the shared files; then
 * `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (through the optional
 * `@aws-sdk/credential-provider-web-identity`); then the container endpoint
 * (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`); then EC2 instance metadata, unless
 * `AWS_EC2_METADATA_DISABLED` is `true`.
 *
 * @example
 * const credentials = await defaultCredentials(undefined, process.env, () => loadProfile(undefined));
 */
export async function defaultCredentials(
  namedProfile: string | undefined,
  env: NodeJS.ProcessEnv,
  profile: () => Promise<Profile>,
): Promise<Credentials> {
  if (namedProfile) {
    const p = await profile();
    const credentials = await credentialsFromProfile(p);
    if (credentials) return credentials;
    throw new CredentialsError(
      p.found
        ? `Profile '${p.name}' has no credentials (aws_access_key_id and aws_secret_access_key, or a role, SSO or process).`
        : `Profile '${p.name}' is not in the shared credentials file (${env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'}) nor in the config file (${env.AWS_CONFIG_FILE ?? '~/.aws/config'}).`,
    );
  }

  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    const { fromEnv } = require('@aws-sdk/credential-provider-env') as typeof EnvProvider;
    return fromSource('the environment', fromEnv());
  }

  const fromProfile = await credentialsFromProfile(await profile());
  if (fromProfile) return fromProfile;

  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) {
    const { importOptional } = await import('./optional-import.js');
    const webIdentity = await importOptional<{ fromTokenFile: () => Provider }>(
      WEB_IDENTITY_PROVIDER,
    );
    if (!webIdentity) {
      throw new CredentialsError(
        `AWS_WEB_IDENTITY_TOKEN_FILE is set; install ${WEB_IDENTITY_PROVIDER} to use it.`,
      );
    }
    return fromSource('the web identity token file', webIdentity.fromTokenFile());
  }

  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    const { fromContainerMetadata } =
      require('@smithy/credential-provider-imds') as typeof ImdsProvider;
    return fromSource(
      'the container credentials endpoint',
      fromContainerMetadata({ timeout: 1000, maxRetries: 1 }) as Provider,
    );
  }

  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() !== 'true') {
    const { fromInstanceMetadata } =
      require('@smithy/credential-provider-imds') as typeof ImdsProvider;
    return fromSource(
      'EC2 instance metadata',
      fromInstanceMetadata({ timeout: 1000, maxRetries: 1 }) as Provider,
    );
  }

  throw new CredentialsError(
    'No AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, name a profile (AWS_PROFILE or credentials.profile), run in a container or on EC2 with a role, pass credentials.creds, or set credentials.anonymous.',
  );
}
