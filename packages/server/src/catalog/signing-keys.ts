/**
 * @module The versioned RSA keys that sign RegisterUsage answers: created on first start,
 * rotated on demand, their public halves published as PEM and JWKS.
 */

import {
  CompactSign,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
} from 'jose';
import { createPublicKey } from 'node:crypto';
import type { Store } from '../storage/store.js';
import type { SigningKey } from '../domain/catalog.js';
import { systemClock, type Clock } from '../domain/clock.js';

export const SIGNING_ALGORITHM = 'PS256';

/** How long a rotated-out version stays current unless the rotation says otherwise: a week. */
export const DEFAULT_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

/** The latest time a JavaScript Date can hold (ECMAScript's 8.64e15 ms after the epoch). */
const LAST_DATE_MS = 8.64e15;

export class SigningKeys {
  private readonly privateKeys = new Map<number, ReturnType<typeof importPKCS8>>();

  constructor(
    private readonly store: Store,
    private readonly now: Clock = systemClock,
  ) {}

  /** Creates version 1 when the store has no key yet. */
  async ensure(): Promise<void> {
    if ((await this.store.listSigningKeys()).length === 0) await this.rotate(0);
  }

  list(): Promise<SigningKey[]> {
    return this.store.listSigningKeys();
  }

  async get(version: number): Promise<SigningKey | undefined> {
    return (await this.store.listSigningKeys()).find((k) => k.version === version);
  }

  /** Adds a new current version; the previous one expires `graceSeconds` from now. */
  async rotate(graceSeconds: number, now = this.now()): Promise<SigningKey> {
    const existing = await this.store.listSigningKeys();
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, {
      modulusLength: 2048,
      extractable: true,
    });
    const key: SigningKey = {
      version: Math.max(0, ...existing.map((k) => k.version)) + 1,
      privateKeyPem: await exportPKCS8(privateKey),
      publicKeyPem: await exportSPKI(publicKey),
      createdAt: now,
      expiresAt: null,
    };
    // A grace period past the end of time (JavaScript's last Date) ends there, rather than
    // becoming an invalid date that would leave the previous version current for ever.
    const previousExpiresAt = Math.min(now.getTime() + graceSeconds * 1000, LAST_DATE_MS);
    await this.store.rotateSigningKey(key, new Date(previousExpiresAt));
    return key;
  }

  /** Signs `payload` as a compact JWS with header {"alg":"PS256","typ":"JWT"}. */
  async sign(key: SigningKey, payload: object): Promise<string> {
    let privateKey = this.privateKeys.get(key.version);
    if (!privateKey) {
      privateKey = importPKCS8(key.privateKeyPem, SIGNING_ALGORITHM);
      this.privateKeys.set(key.version, privateKey);
    }
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: 'JWT' })
      .sign(await privateKey);
  }

  /** Every version's public key as a JSON Web Key Set; `kid` is the version number. */
  async jwks(): Promise<{ keys: object[] }> {
    const keys = await this.store.listSigningKeys();
    return {
      keys: await Promise.all(
        keys.map(async (k) => ({
          ...(await exportJWK(createPublicKey(k.publicKeyPem))),
          kid: String(k.version),
          alg: SIGNING_ALGORITHM,
          use: 'sig',
        })),
      ),
    };
  }
}
