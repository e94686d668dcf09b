/**
 * @module The admin API's bearer token: the one given (`--admin-token`, or read from
 * `--admin-token-file` so that it stays off the command line, where `ps` shows it), else the one
 * kept in the data directory (`admin-token`, mode 0600), generated at the first start and the
 * same at every start after it, so that scripts keep working across restarts.
 */

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The file in the data directory that keeps a generated token. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** Where the token in use came from. */
export type AdminTokenSource =
  | { kind: 'given' }
  | { kind: 'file'; path: string }
  | { kind: 'kept'; path: string }
  | { kind: 'generated'; path: string };

export interface AdminToken {
  token: string;
  source: AdminTokenSource;
}

/**
 * Reads a token file: its content without surrounding white space (a trailing newline, as an
 * editor or `echo` leaves it). Refuses a file that cannot be read or holds no token.
 * @example readAdminTokenFile('/run/secrets/meterd-admin-token')
 */
export function readAdminTokenFile(path: string, flag = '--admin-token-file'): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the admin token file ${path} (${flag}): ${(error as Error).message}`,
    );
  }
  const token = text.trim();
  if (!token) throw new Error(`the admin token file ${path} (${flag}) is empty`);
  if (/\s/.test(token))
    throw new Error(`the admin token file ${path} (${flag}) holds more than one word`);
  return token;
}

/**
 * The token to use: `given` if set, else the one kept in `dataDir`, else a new one written
 * there (mode 0600, never readable by others). Call it with the data directory's lock held, so
 * that two starts cannot write two tokens.
 * @example keptAdminToken('.data').token
 */
export function keptAdminToken(dataDir: string): AdminToken {
  const path = resolve(dataDir, ADMIN_TOKEN_FILE);
  let existing: string | undefined;
  try {
    existing = readFileSync(path, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw error; // the data directory's own problem
    if (code !== 'ENOENT')
      throw new Error(
        `cannot read the admin token kept in ${path} (${(error as Error).message}): remove it to have a new one generated, or give one with --admin-token-file`,
      );
  }
  if (existing) {
    // A copy restored or made by hand may have lost its mode: the token is a secret.
    chmodSync(path, 0o600);
    return { token: existing, source: { kind: 'kept', path } };
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // writeFileSync's mode is masked by the umask, and not applied to an existing empty file
  return { token, source: { kind: 'generated', path } };
}

/** The banner's line about the token: where it is, and the token itself only when just made. */
export function describeAdminToken({ token, source }: AdminToken): string | undefined {
  switch (source.kind) {
    case 'given':
      return undefined;
    case 'file':
      return `Admin API token: read from ${source.path}`;
    case 'kept':
      return `Admin API token: in ${source.path} (kept from an earlier start)`;
    case 'generated':
      return `Admin API token (generated, kept in ${source.path} for later starts): ${token}`;
  }
}
