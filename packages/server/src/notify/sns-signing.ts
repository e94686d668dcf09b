/**
 * @module The key and certificate SNS envelopes are signed with, as SNS signs them:
 * SignatureVersion 1 (SHA1withRSA) or 2 (SHA256withRSA) over the envelope's fields, the
 * certificate served at `SigningCertURL`. Made once (node-forge writes the self-signed
 * certificate) and kept in the store, so that every instance and every restart signs alike.
 */

import { createHash, createSign, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import type { SnsSigningMaterial, Store } from '../storage/store.js';

/** Makes an RSA key and a self-signed certificate, good for TLS on loopback too. */
export function makeSigningMaterial(now = new Date()): SnsSigningMaterial {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
  cert.validity.notBefore = new Date(now.getTime() - 86_400_000);
  cert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 86_400_000);
  // A name of its own per key: a verifier trusting two meterds finds each one's issuer by name.
  const name = [{ name: 'commonName', value: `meterd SNS ${cert.serialNumber}` }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { privateKeyPem: privateKey, certificatePem: forge.pki.certificateToPem(cert) };
}

/** The fields each envelope type signs, in the order SNS signs them (those present). */
const SIGNED = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
} as const;

export class SnsSigner {
  private constructor(readonly material: SnsSigningMaterial) {}

  /** The stored key, or a new one stored first. */
  static async open(store: Store): Promise<SnsSigner> {
    return new SnsSigner(await store.snsSigning(() => makeSigningMaterial()));
  }

  /** The certificate's path on meterd's SNS host, named as SNS names it. */
  get certificatePath(): string {
    const hash = createHash('md5').update(this.material.certificatePem).digest('hex');
    return `/SimpleNotificationService-${hash}.pem`;
  }

  /**
   * The base64 signature of an envelope: "name\nvalue\n" for each signed field present.
   * @example signer.sign(envelope, 2)
   */
  sign(envelope: Record<string, string>, version: 1 | 2): string {
    const type = envelope.Type as keyof typeof SIGNED;
    const text = SIGNED[type]
      .filter((k) => envelope[k] !== undefined)
      .map((k) => `${k}\n${envelope[k]}\n`)
      .join('');
    return createSign(version === 1 ? 'RSA-SHA1' : 'RSA-SHA256')
      .update(text, 'utf8')
      .sign(this.material.privateKeyPem, 'base64');
  }
}
