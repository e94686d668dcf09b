/**
 * @module The client's name and version, sent in the `User-Agent` header.
 */

/** The package version; a test keeps it equal to package.json's. */
export const CLIENT_VERSION = '0.1.0';

/** The `User-Agent` header value (not signed, as SigV4 leaves `user-agent` out). */
export const USER_AGENT = `meterd-client/${CLIENT_VERSION} node/${process.version}`;
