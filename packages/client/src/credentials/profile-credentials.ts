/**
 * @module Credentials from a profile: static keys read here; roles, SSO, processes and web identity handed to the official provider when installed.
 */
import { CredentialsError } from '../errors.js';
import type { Profile } from '../config/profile.js';
import type { Credentials } from './credentials.js';
import { importOptional } from './optional-import.js';

/** Profile keys that name a source of credentials other than static keys. */
const DELEGATED_KEYS = [
  'role_arn',
  'credential_process',
  'sso_session',
  'sso_start_url',
  'web_identity_token_file',
  'login_session',
] as const;

/** The optional package that resolves those sources. */
export const INI_PROVIDER = '@aws-sdk/credential-provider-ini';

type IniModule = {
  fromIni: (init: { profile: string; ignoreCache: boolean }) => () => Promise<Credentials>;
};

/**
 * Returns the profile's credentials, or `undefined` when it has none. Static keys
 * (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`) are read directly; a
 * profile that assumes a role, uses SSO, runs a `credential_process` or a web identity token is
 * resolved by `@aws-sdk/credential-provider-ini`, an optional peer dependency.
 *
 * @example
 * const credentials = await credentialsFromProfile(await loadProfile('acme-seller'));
 */
export async function credentialsFromProfile(profile: Profile): Promise<Credentials | undefined> {
  const v = profile.values;
  if (v.aws_access_key_id && v.aws_secret_access_key) {
    const credentials: Credentials = {
      accessKeyId: v.aws_access_key_id,
      secretAccessKey: v.aws_secret_access_key,
    };
    if (v.aws_session_token) credentials.sessionToken = v.aws_session_token;
    return credentials;
  }
  const delegated = DELEGATED_KEYS.find((key) => v[key]);
  if (!delegated) return undefined;
  const ini = await importOptional<IniModule>(INI_PROVIDER);
  if (!ini) {
    throw new CredentialsError(
      `Profile '${profile.name}' gets its credentials through '${delegated}'; install ${INI_PROVIDER} to use it, or give static keys.`,
    );
  }
  try {
    return await ini.fromIni({ profile: profile.name, ignoreCache: true })();
  } catch (err) {
    throw new CredentialsError(
      `Could not get credentials for profile '${profile.name}' (${delegated}): ${(err as Error).message}`,
      { cause: err },
    );
  }
}
