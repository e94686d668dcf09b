/**
 * @module The catalog's domain types: accounts and their access keys, products, agreements
 * and registration tokens.
 */

export interface Account {
  accountId: string;
  name: string;
}

export interface AccessKey {
  accessKeyId: string;
  accountId: string;
  secretAccessKey: string;
  /** Set for temporary credentials: requests must carry it as `X-Amz-Security-Token`. */
  sessionToken: string | null;
  /** The region the resource holding this key runs in; null means the server's region. */
  region: string | null;
}

export const productTypes = ['saas', 'ami', 'container'] as const;
export type ProductType = (typeof productTypes)[number];

export const meterUsageModes = ['hourly', 'continuous'] as const;
export type MeterUsageMode = (typeof meterUsageModes)[number];

export interface Product {
  productCode: string;
  sellerAccountId: string;
  type: ProductType;
  dimensions: string[];
  fulfillmentUrl: string | null;
  meterUsageMode: MeterUsageMode;
  /** Container products: the public key versions RegisterUsage accepts (null: all of them). */
  publicKeyVersions: number[] | null;
}

export const agreementStatuses = ['active', 'unsubscribed', 'suspended'] as const;
export type AgreementStatus = (typeof agreementStatuses)[number];

export interface Agreement {
  licenseArn: string;
  productCode: string;
  customerAWSAccountId: string;
  customerIdentifier: string;
  status: AgreementStatus;
  /**
   * The start of the activation period. Null for no lower bound: a catalog agreement that names
   * no start existed before meterd knew of it.
   */
  startedAt: Date | null;
  /** The end of the activation period, once unsubscribed or suspended; null while open. */
  endedAt: Date | null;
}

export interface RegistrationToken {
  token: string;
  productCode: string;
  customerAWSAccountId: string;
  licenseArn: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A versioned RSA key pair that signs RegisterUsage answers (PS256). */
export interface SigningKey {
  version: number;
  privateKeyPem: string;
  publicKeyPem: string;
  createdAt: Date;
  /** When the version stops being current; null while it has not been rotated out. */
  expiresAt: Date | null;
}
