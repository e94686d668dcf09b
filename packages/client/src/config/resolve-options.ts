/**
 * @module Checks the options of `marketplacemetering()` and folds the shorthands into one set of settings.
 */
import type { Credentials } from '../credentials/credentials.js';
import { ConfigurationError } from '../errors.js';
import type { MarketplaceMeteringOptions } from './options.js';

/** Where a client's credentials come from once its options are checked. */
export type CredentialSource =
  | { kind: 'anonymous' }
  | { kind: 'static'; credentials: Credentials }
  | { kind: 'chain'; profile: string | undefined };

/** A client's settings, checked and with defaults applied. */
export interface ClientSettings {
  credentials: CredentialSource;
  /** The profile named in the options, if any: it feeds credentials, region and FIPS lookups. */
  profile: string | undefined;
  endpoint: URL | undefined;
  region: string | undefined;
  useFips: boolean | undefined;
  closeConnection: boolean;
  maxRetries: number;
  timeoutSeconds: number;
  connectTimeoutSeconds: number;
}

type Check = (value: unknown) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

const object: Check = (v) => (isObject(v) ? undefined : 'an object');
const string: Check = (v) => (typeof v === 'string' ? undefined : 'a string');
const boolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'a boolean');
const retries: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 ? undefined : 'a whole number of retries, 0 or more';
const seconds: Check = (v) =>
  typeof v === 'number' && v > 0 ? undefined : 'a number of seconds greater than 0';
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    typeof v === 'string' && allowed.includes(v)
      ? undefined
      : `one of ${allowed.map((a) => `'${a}'`).join(', ')}`;
const dateLike: Check = (v) =>
  (v instanceof Date && !Number.isNaN(v.getTime())) ||
  (typeof v === 'string' && !Number.isNaN(Date.parse(v)))
    ? undefined
    : 'a Date or an ISO 8601 date string';

const OPTION_KEYS: Record<string, Check> = {
  config: object,
  credentials: object,
  endpoint: string,
  region: string,
};

const CONFIG_KEYS: Record<string, Check> = {
  credentials: object,
  endpoint: string,
  region: string,
  close_connection: boolean,
  max_retries: retries,
  timeout: seconds,
  connect_timeout: seconds,
  use_fips: boolean,
  signature_version: oneOf('', 'v4'),
  s3_force_path_style: boolean,
  s3_virtual_address: boolean,
  sts_regional_endpoint: oneOf('', 'regional', 'legacy'),
};

const CREDENTIALS_KEYS: Record<string, Check> = {
  creds: object,
  profile: string,
  anonymous: boolean,
};

const CREDS_KEYS: Record<string, Check> = {
  access_key_id: string,
  secret_access_key: string,
  session_token: string,
  access_token: string,
  expiration: dateLike,
};

/**
 * Parses an endpoint URL, requiring `http:` or `https:`.
 *
 * @example
 * parseEndpoint('http://127.0.0.1:8080', 'endpoint').port; // '8080'
 */
export function parseEndpoint(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(
      `marketplacemetering(): ${source} '${value}' is not a URL; give a complete URL such as https://metering.marketplace.us-east-1.amazonaws.com.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(
      `marketplacemetering(): ${source} '${value}' must start with http:// or https://.`,
    );
  }
  return url;
}

const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Checks one level of the options against its table; returns the present (non-empty) entries. */
function checkLevel(
  value: Record<string, unknown>,
  keys: Record<string, Check>,
  path: string,
): Record<string, unknown> {
  const present: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const check = keys[key];
    const where = path ? `${path}.${key}` : key;
    if (!check) {
      const known = Object.keys(keys);
      const guess = known.find(
        (k) => k === snakeCase(key) || k.toLowerCase() === key.toLowerCase(),
      );
      throw new ConfigurationError(
        `marketplacemetering(): unknown option '${where}'` +
          (guess ? `; did you mean '${guess}'?` : '') +
          ` Known keys${path ? ` of '${path}'` : ''}: ${known.join(', ')}.`,
      );
    }
    if (v === undefined || v === null || v === '') continue;
    const problem = check(v);
    if (problem) {
      throw new ConfigurationError(
        `marketplacemetering(): option '${where}' must be ${problem}, got ${JSON.stringify(v) ?? String(v)}.`,
      );
    }
    present[key] = v;
  }
  return present;
}

function resolveCredentialSource(
  given: Record<string, unknown> | undefined,
  path: string,
): { source: CredentialSource; profile: string | undefined } {
  const c = given ? checkLevel(given, CREDENTIALS_KEYS, path) : {};
  const profile = c.profile as string | undefined;
  const creds = c.creds
    ? checkLevel(c.creds as Record<string, unknown>, CREDS_KEYS, `${path}.creds`)
    : {};
  const accessKeyId = creds.access_key_id as string | undefined;
  const secretAccessKey = creds.secret_access_key as string | undefined;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ConfigurationError(
      `marketplacemetering(): '${path}.creds' needs both access_key_id and secret_access_key.`,
    );
  }
  if (c.anonymous === true) {
    if (accessKeyId) {
      throw new ConfigurationError(
        `marketplacemetering(): '${path}.anonymous' cannot be combined with '${path}.creds'.`,
      );
    }
    return { source: { kind: 'anonymous' }, profile };
  }
  if (accessKeyId && secretAccessKey) {
    const credentials: Credentials = { accessKeyId, secretAccessKey };
    if (creds.session_token) credentials.sessionToken = creds.session_token as string;
    if (creds.expiration) credentials.expiration = new Date(creds.expiration as Date | string);
    return { source: { kind: 'static', credentials }, profile };
  }
  return { source: { kind: 'chain', profile }, profile };
}

/**
 * Checks `marketplacemetering()`'s argument and returns the client's settings. The
 * `credentials`, `endpoint` and `region` shorthands replace the same keys of `config`.
 *
 * @example
 * const settings = resolveOptions({ config: { region: 'eu-west-1' }, region: 'us-east-1' });
 * settings.region; // 'us-east-1'
 */
export function resolveOptions(options: MarketplaceMeteringOptions = {}): ClientSettings {
  if (!isObject(options)) {
    throw new ConfigurationError('marketplacemetering(): the argument must be an object.');
  }
  const top = checkLevel(options as Record<string, unknown>, OPTION_KEYS, '');
  const config = top.config
    ? checkLevel(top.config as Record<string, unknown>, CONFIG_KEYS, 'config')
    : {};
  const fromShorthand = top.credentials !== undefined;
  const { source, profile } = resolveCredentialSource(
    (fromShorthand ? top.credentials : config.credentials) as Record<string, unknown> | undefined,
    fromShorthand ? 'credentials' : 'config.credentials',
  );
  const endpoint = (top.endpoint ?? config.endpoint) as string | undefined;
  return {
    credentials: source,
    profile,
    endpoint: endpoint === undefined ? undefined : parseEndpoint(endpoint, 'endpoint'),
    region: (top.region ?? config.region) as string | undefined,
    useFips: config.use_fips as boolean | undefined,
    closeConnection: (config.close_connection as boolean | undefined) ?? false,
    maxRetries: (config.max_retries as number | undefined) ?? 3,
    timeoutSeconds: (config.timeout as number | undefined) ?? 60,
    connectTimeoutSeconds: (config.connect_timeout as number | undefined) ?? 60,
  };
}
