/**
 * @module Identifiers meterd generates: account ids, access keys, customer identifiers, licence
 * ARNs and registration tokens. Defaults derived from a catalog entry are deterministic, so that
 * applying the same catalog twice changes nothing.
 */

import { createHash, randomBytes, randomInt } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest();

function pick(alphabet: string, bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i % bytes.length]! % alphabet.length];
  return out;
}

export const newAccountId = () =>
  String(randomInt(1, 10)) + Array.from({ length: 11 }, () => randomInt(0, 10)).join('');

export const newAccessKeyId = () => 'AKIA' + pick(ALNUM, randomBytes(16), 16);

export const newSecretAccessKey = () => randomBytes(30).toString('base64');

/** A customer identifier like AWS's (13 letters and digits), stable per product and account. */
export const defaultCustomerIdentifier = (productCode: string, accountId: string) =>
  pick(
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    digest('customer', productCode, accountId),
    13,
  );

/** A License Manager licence ARN, stable per product and account. */
export const defaultLicenseArn = (productCode: string, accountId: string) =>
  `arn:aws:license-manager::${accountId}:license:l-${digest('license', productCode, accountId)
    .toString('hex')
    .slice(0, 32)}`;

export const newRegistrationToken = () => randomBytes(48).toString('base64url');

// Random bytes are drawn in blocks: one system call per 256 ids.
let pool = Buffer.alloc(0);
let offset = 0;

// The time part of the ids of the last millisecond seen: a call's records share it.
let prefixOf = -1;
let prefix = '';

/**
 * A time-ordered UUID (version 7: milliseconds since the epoch, then random bits). Ids made in
 * order sort in order, so the indexes keyed by them grow at their end rather than everywhere.
 */
export function newTimeOrderedId(now = Date.now()): string {
  if (offset + 10 > pool.length) {
    pool = randomBytes(2560);
    offset = 0;
  }
  const r = offset;
  offset += 10;
  if (now !== prefixOf) {
    prefixOf = now;
    const ms = now.toString(16).padStart(12, '0').slice(-12);
    prefix = `${ms.slice(0, 8)}-${ms.slice(8)}-`;
  }
  const hex = (i: number) => HEX[pool[r + i]!]!;
  return (
    `${prefix}7${HEX[pool[r]! & 0x0f]!.slice(1)}${hex(1)}-` +
    `${HEX[(pool[r + 2]! & 0x3f) | 0x80]}${hex(3)}-` +
    `${hex(4)}${hex(5)}${hex(6)}${hex(7)}${hex(8)}${hex(9)}`
  );
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
