/**
 * @module The options of `marketplacemetering()`: paws' configuration keys, spelled as in paws.
 */

/**
 * Static credentials, as paws' `creds`.
 *
 * @example
 * const creds: StaticCredentials = {
 *   access_key_id: 'AKIAACMESELLER000001',
 *   secret_access_key: 'acme-seller-secret',
 * };
 */
export interface StaticCredentials {
  /** AWS access key ID. */
  access_key_id?: string;
  /** AWS secret access key. */
  secret_access_key?: string;
  /** AWS temporary session token, sent as `X-Amz-Security-Token`. */
  session_token?: string;
  /** Accepted for paws compatibility; an IAM Identity Center token does not sign SigV4 calls, so it is not used. */
  access_token?: string;
  /** When the credentials expire (a `Date` or an ISO 8601 string); calls fail after it. */
  expiration?: Date | string;
}

/**
 * Where the client's credentials come from, as paws' `credentials`. With none of these, the
 * default chain is used: environment, profile files, container, instance metadata.
 *
 * @example
 * const fromProfile: CredentialsOptions = { profile: 'acme-seller' };
 * const unsigned: CredentialsOptions = { anonymous: true };
 */
export interface CredentialsOptions {
  /** Static credentials; they take precedence over `profile`. */
  creds?: StaticCredentials;
  /** The profile to read from the shared credentials and config files (else `AWS_PROFILE`, else `default`). */
  profile?: string;
  /** Send unsigned requests. */
  anonymous?: boolean;
}

/**
 * The `config` argument of `marketplacemetering()`: paws' keys plus `use_fips`. Keys that only
 * concern other services (`s3_force_path_style`, `s3_virtual_address`, `sts_regional_endpoint`)
 * are accepted and have no effect.
 *
 * @example
 * const config: MarketplaceMeteringConfig = {
 *   region: 'us-east-1',
 *   endpoint: 'http://127.0.0.1:8080',
 *   max_retries: 5,
 *   timeout: 10,
 * };
 */
export interface MarketplaceMeteringConfig {
  /** Where credentials come from. */
  credentials?: CredentialsOptions;
  /** The complete URL of the service, e.g. `http://127.0.0.1:8080`. */
  endpoint?: string;
  /** The AWS Region, e.g. `us-east-1`. */
  region?: string;
  /** Close every connection after its response instead of keeping it alive. Default `false`. */
  close_connection?: boolean;
  /** Retries after a throttling error, a server error or a network failure. Default 3. */
  max_retries?: number;
  /** Seconds a whole call may take, retries included, before it fails with `TimeoutError`. Default 60; `Infinity` for no limit. */
  timeout?: number;
  /** Seconds to wait for a connection to be established, per attempt. Default 60. */
  connect_timeout?: number;
  /** Use the FIPS endpoint (`metering.marketplace-fips.{region}.amazonaws.com`). Default: `AWS_USE_FIPS_ENDPOINT`, else the profile's `use_fips_endpoint`. */
  use_fips?: boolean;
  /** Accepted for paws compatibility: only `''` and `'v4'` are meaningful, as this service takes SigV4 only. */
  signature_version?: string;
  /** Accepted for paws compatibility; concerns S3 only, no effect here. */
  s3_force_path_style?: boolean;
  /** Accepted for paws compatibility; concerns S3 only, no effect here. */
  s3_virtual_address?: boolean;
  /** Accepted for paws compatibility; concerns STS only, no effect here. */
  sts_regional_endpoint?: string;
}

/**
 * The argument of `marketplacemetering()`, as in paws: `config` plus the `credentials`,
 * `endpoint` and `region` shorthands, which take precedence over the same keys in `config`.
 *
 * @example
 * const options: MarketplaceMeteringOptions = {
 *   credentials: { creds: { access_key_id: 'AKID', secret_access_key: 'secret' } },
 *   region: 'us-east-1',
 * };
 */
export interface MarketplaceMeteringOptions {
  /** The full configuration. */
  config?: MarketplaceMeteringConfig;
  /** Shorthand for `config.credentials`. */
  credentials?: CredentialsOptions;
  /** Shorthand for `config.endpoint`. */
  endpoint?: string;
  /** Shorthand for `config.region`. */
  region?: string;
}
